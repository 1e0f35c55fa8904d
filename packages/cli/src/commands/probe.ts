import type { CommandContext, CommandModule } from "../command.js";
import { UsageError } from "../errors.js";
import { writeLine } from "../output.js";
import { loadProbeSdk, type ProbeClient } from "../probe-sdk.js";
import { ProbeRequests, type FactResult } from "../probe-requests.js";
import {
  bucketCorsCheck,
  checksumCheck,
  conditionalCopyCheck,
  conditionalDeleteCheck,
  conditionalPutCheck,
  deleteObjectsCheck,
  getConditionsCheck,
  metadataValueCheck,
  startAfterCheck,
  type ProbeCheck,
} from "../probe-checks.js";
import { multipartCheck, partNumberCheck, signedUploadCheck } from "../probe-upload-checks.js";
import { s3UrlParts } from "../probe-url.js";

const usage = `stowage probe s3://bucket?endpoint=…[&forcePathStyle=true][#prefix]

Runs the S3 profile checks against a server: which server it is (from its
response headers, as openStorage does), then raw requests under a scratch
prefix (deleted afterwards) for each fact the driver relies on: conditional
PUT (If-None-Match, If-Match, quoting, prefix matching), checksum verification,
GET conditions, Content-MD5 on DeleteObjects, the metadata value limit,
conditional DeleteObject and CopyObject, StartAfter with a delimiter, bucket
CORS, multipart etags and create-only completes, the part-number limit, and
signed create-only and POST-policy uploads.

Prints the profile JSON that s3Driver({ profile }) accepts on stdout; what each
check saw goes to stderr (with --json: only the JSON, which then also carries
the detection and the evidence). Credentials come from the AWS_* variables.`;

async function run(values: Record<string, unknown>, positionals: string[], context: CommandContext): Promise<number> {
  if (positionals.length !== 1) throw new UsageError("probe takes one s3:// URL (see stowage probe --help)");
  const url = positionals[0]!;
  if (!/^s3:\/\//i.test(url)) throw new UsageError(`probe checks S3-compatible servers: give an s3://bucket?endpoint=… URL, not "${url}"`);
  const sdk = await loadProbeSdk();
  const location = await context.open(url);
  if (location.kind !== "storage") throw new UsageError(`probe needs an s3:// URL, not "${url}"`);
  const parts = s3UrlParts(location.url, context.env);
  const client = location.storage.driver.raw as ProbeClient;
  const detection = await sdk.s3.detectS3Profile({ bucket: parts.bucket, region: parts.region, ...(parts.endpoint === undefined ? {} : { endpoint: parts.endpoint }), client });
  const base = location.key === "" || location.key.endsWith("/") ? location.key : `${location.key}/`;
  const random = Array.from(crypto.getRandomValues(new Uint8Array(6)), (byte) => byte.toString(16).padStart(2, "0")).join("");
  const requests = new ProbeRequests(client, sdk.commands, parts.bucket, `${base}stowage-probe-${random}/`, context.signal);
  const driverOptions = {
    bucket: parts.bucket,
    region: parts.region,
    client,
    ...(parts.endpoint === undefined ? {} : { endpoint: parts.endpoint }),
    ...(parts.forcePathStyle === undefined ? {} : { forcePathStyle: parts.forcePathStyle }),
  };
  const checks: ProbeCheck[] = [
    conditionalPutCheck,
    checksumCheck,
    getConditionsCheck,
    deleteObjectsCheck,
    metadataValueCheck,
    conditionalDeleteCheck,
    conditionalCopyCheck,
    startAfterCheck,
    bucketCorsCheck,
    multipartCheck,
    partNumberCheck,
    signedUploadCheck({ s3: sdk.s3, driverOptions }),
  ];
  const known: Record<string, unknown> = { ...detection.profile };
  const results: FactResult[] = [];
  const failures: string[] = [];
  if (!context.json) writeLine(context.stderr, `probe: ${detection.profile.name} profile by ${detection.source} (${detection.reason}); checking under ${requests.prefix}`);
  try {
    for (const check of checks) {
      try {
        for (const result of await check(requests, known)) {
          known[result.fact] = result.value;
          results.push(result);
          if (!context.json) writeLine(context.stderr, `  ${result.fact}: ${JSON.stringify(result.value ?? null)} (${result.evidence})`);
        }
      } catch (error) {
        if (context.signal.aborted) throw error;
        failures.push(`${check.name}: ${(error as Error).message}`);
        if (!context.json) writeLine(context.stderr, `  ${check.name} could not run (${(error as Error).message}); keeping the ${detection.profile.name} profile's facts`);
      }
    }
  } finally {
    const errors = await requests.cleanup();
    for (const error of errors) if (!context.json) writeLine(context.stderr, `  cleanup: ${error}`);
    // Kept-alive connections of the probe's requests would hold the process open.
    (client as { destroy?: () => void }).destroy?.();
  }
  const profile = { ...known, name: profileName(known, sdk.s3.s3Profiles, detection.profile.name as string) };
  // Fed back to the driver: a profile it does not accept is an error here, not in the user's app.
  sdk.s3.s3Driver({ ...driverOptions, profile });
  if (context.json) {
    writeLine(context.stdout, JSON.stringify({ profile, prefix: requests.prefix, detection: { name: detection.profile.name, source: detection.source, reason: detection.reason }, checks: results, failures }));
  } else {
    writeLine(context.stdout, JSON.stringify(profile, null, 2));
    const shipped = sdk.s3.s3Profiles[profile.name];
    if (shipped !== undefined) writeLine(context.stderr, `probe: every fact matches the shipped "${profile.name}" profile: use profile=${profile.name}`);
  }
  return failures.length > 0 ? 1 : 0;
}

/** The shipped profile's name when every fact matches it, else "<detected>-probed". */
function profileName(facts: Record<string, unknown>, shipped: Record<string, Record<string, unknown>>, detected: string): string {
  for (const [name, profile] of Object.entries(shipped)) {
    const same = Object.keys(profile).every((fact) => fact === "name" || JSON.stringify(profile[fact]) === JSON.stringify(facts[fact]));
    if (same && Object.keys(facts).every((fact) => fact in profile)) return name;
  }
  return `${detected}-probed`;
}

/** `stowage probe s3://…`: the S3 profile checks against a server, printing a profile the driver accepts. */
export const command: CommandModule = {
  summary: "check what an S3-compatible server does and print the driver profile for it",
  usage,
  options: {},
  allowPositionals: true,
  run,
};
