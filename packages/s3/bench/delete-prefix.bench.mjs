// Storage.deletePrefix of 10,000 keys against a raw-SDK baseline
// (ListObjectsV2 of 1,000, DeleteObjects of those keys, until none are left),
// on Ceph RGW (S3_*) and on OpenStack Swift (SWIFT_S3_*). Each server comes
// from the environment, or is started with scripts/<ceph|swift>/start.sh and
// stopped at the end; one that cannot start is skipped, saying why. Before
// each timed run the 10,000 empty objects are written (not timed); the two
// contenders alternate round by round and the figures are medians.
import { createHash } from "node:crypto";
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { createStorage } from "@stowage/core";
import { alternate, benchDriver, median, startServer } from "./bench-servers.mjs";

const count = Number(process.env.DELETE_PREFIX_BENCH_KEYS ?? 10_000);
const rounds = Number(process.env.DELETE_PREFIX_BENCH_ROUNDS ?? 3);

/** DeleteObjects with Content-MD5 instead of the SDK's CRC32 headers (Swift refuses those). */
function withContentMd5(command) {
  command.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request;
      for (const name of Object.keys(request.headers)) {
        const lower = name.toLowerCase();
        if (lower.startsWith("x-amz-checksum-") || lower === "x-amz-sdk-checksum-algorithm") delete request.headers[name];
      }
      request.headers["content-md5"] = createHash("md5").update(request.body).digest("base64");
      return next(args);
    },
    { step: "build", priority: "low", name: "benchContentMd5" },
  );
  return command;
}

async function fill(client, bucket, prefix) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${String(index).padStart(5, "0")}`, Body: new Uint8Array(0) }));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

async function rawDeletePrefix(client, bucket, prefix, needsMd5) {
  let deleted = 0;
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1000 }));
    const keys = (page.Contents ?? []).map((entry) => ({ Key: entry.Key }));
    if (keys.length === 0) return deleted;
    const command = new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } });
    await client.send(needsMd5 ? withContentMd5(command) : command);
    deleted += keys.length;
  }
}

const rows = [];
for (const profile of ["ceph-rgw", "swift"]) {
  const server = startServer(profile);
  if (server.environment === null) {
    console.log(`deletePrefix bench on ${profile} SKIPPED: ${server.reason}`);
    continue;
  }
  try {
    const environment = server.environment;
    const driver = benchDriver(environment);
    const storage = createStorage(driver);
    const client = driver.raw;
    const bucket = environment.bucket;
    const needsMd5 = driver.profile.deleteObjectsNeedsContentMd5;
    const base = `bench/delete-prefix-${Date.now().toString(36)}/`;
    const deleted = new Map();
    const contenders = [
      { label: "raw SDK list + DeleteObjects loop", run: (round) => rawDeletePrefix(client, bucket, `${base}raw-${round}/`, needsMd5) },
      { label: "Storage.deletePrefix", run: async (round) => (await storage.deletePrefix(`${base}stowage-${round}/`)).deleted },
    ];
    for (const contender of contenders) {
      const run = contender.run;
      contender.run = async (round) => deleted.set(contender.label, await run(round));
    }
    const samples = await alternate(contenders, rounds, {
      before: (contender, round) => fill(client, bucket, `${base}${contender.label.startsWith("raw") ? "raw" : "stowage"}-${round}/`),
    });
    const baseline = median(samples[0]);
    contenders.forEach((contender, index) => {
      if (deleted.get(contender.label) !== count) throw new Error(`${contender.label} deleted ${deleted.get(contender.label)} of ${count}`);
      rows.push({
        server: environment.label,
        contender: contender.label,
        "median ms": median(samples[index]).toFixed(0),
        "keys/s": Math.round(count / (median(samples[index]) / 1000)).toLocaleString("en-US"),
        ratio: index === 0 ? "baseline" : `${(median(samples[index]) / baseline).toFixed(2)}x`,
        "samples ms": samples[index].map((ms) => ms.toFixed(0)).join(", "),
      });
    });
    client.destroy();
  } finally {
    server.stop();
  }
}
console.table(rows);
console.log(`${count.toLocaleString("en-US")} keys per run, ${rounds} alternating rounds (the keys are written before each run, untimed)`);
