import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { CommandContext, CommandModule } from "../command.js";
import { UsageError } from "../errors.js";
import { writeLine } from "../output.js";
import { namePattern, runConformanceCases, selectCases } from "../conformance-run.js";
import { prepareConformanceTarget, type CleanupResult } from "../conformance-target.js";
import { prepareSigning } from "../conformance-signing.js";
import { conformanceProgress } from "../conformance-progress.js";
import {
  formatHeader,
  formatMarkdown,
  formatResultLine,
  formatSummary,
  observeProfile,
  summarize,
  type ConformanceReport,
} from "../conformance-report.js";

const usage = `stowage conformance URL[#prefix] [--json FILE] [--markdown FILE] [--only PATTERN]... [--skip PATTERN]...

Runs every case of the Stowage conformance suite against the storage, under a
fresh scratch prefix (stowage-conformance-<random>/ inside URL#prefix) that is
deleted afterwards, also after a failure or Ctrl-C. Prints each case's result,
the capabilities the driver claims and those it lacks (a case that needs a
missing one is skipped, naming it), then a summary. Exit code 1 when any case
fails, 0 otherwise, 130 when interrupted.

  URL              a storage URL (file:./data, memory://, s3://bucket?endpoint=…)
                   or module:./my-driver.mjs (its default export returns your driver)
  --json FILE      also write the report as JSON (with the global --json and no
                   FILE, the report is printed as JSON on stdout)
  --markdown FILE  also write the report as Markdown
  --only PATTERN   run only cases whose name contains PATTERN (case-insensitive),
                   or matches /regex/; repeatable
  --skip PATTERN   report the matching cases as skipped without running them
                   (a known limit of your backend); repeatable

Signed-URL cases: S3 presigns natively. file: and memory:// without
STORAGE_SIGNING_SECRETS and STORAGE_SIGNING_BASE_URL are served by this
command on a random 127.0.0.1 port with a random secret; with them set, the
URLs go to STORAGE_SIGNING_BASE_URL (run \`stowage serve\` there).`;

function reportFiles(values: Record<string, unknown>, positionals: string[]): { url: string; jsonFile?: string; markdownFile?: string } {
  // `--json FILE`: a command option, or (while the global boolean --json takes the flag) FILE arrives as a second positional.
  let jsonFile = typeof values.json === "string" ? values.json : undefined;
  const rest = [...positionals];
  if (values.json === true && rest.length === 2) jsonFile = rest.pop();
  if (rest.length !== 1) throw new UsageError("conformance takes one storage URL (see stowage conformance --help)");
  const markdownFile = typeof values.markdown === "string" ? values.markdown : undefined;
  return { url: rest[0]!, ...(jsonFile === undefined ? {} : { jsonFile }), ...(markdownFile === undefined ? {} : { markdownFile }) };
}

async function run(values: Record<string, unknown>, positionals: string[], context: CommandContext): Promise<number> {
  const { url, jsonFile, markdownFile } = reportFiles(values, positionals);
  const patterns = ((values.only as string[] | undefined) ?? []).filter((pattern) => pattern !== "");
  const cases = selectCases(patterns);
  if (cases.length === 0) throw new UsageError(`--only ${patterns.join(", ")} matches no conformance case`);
  const skip = new Map<string, string>();
  for (const pattern of (values.skip as string[] | undefined) ?? []) {
    const test = namePattern(pattern);
    const matched = cases.filter((conformanceCase) => test(conformanceCase.name));
    if (matched.length === 0) throw new UsageError(`--skip ${pattern} matches no conformance case`);
    for (const conformanceCase of matched) if (!skip.has(conformanceCase.name)) skip.set(conformanceCase.name, `skipped by --skip ${pattern}`);
  }
  const printJson = context.json && jsonFile === undefined;
  const location = await context.open(url);
  if (location.kind !== "storage") throw new UsageError(`conformance needs a storage URL such as file:./data or s3://bucket?endpoint=…; got the local path ${url}`);
  const signing = await prepareSigning(location.storage, location.url, context.env, context.cwd);
  const target = prepareConformanceTarget(signing.storage, location.key);
  const startedAt = new Date();
  const started = performance.now();
  const observed = observeProfile(signing.storage.driver);
  const header = { storage: url, scratchPrefix: target.scratchPrefix, signing: signing.description, observed };
  if (!printJson) context.stdout.write(formatHeader(header, cases.length));
  const progress = conformanceProgress(context, cases.length);
  let cleanup: CleanupResult = { deleted: 0, abortedUploads: 0, errors: [] };
  let results;
  try {
    results = await runConformanceCases(target.fixture, {
      cases,
      skip,
      unscopedFixture: target.unscopedFixture,
      signal: context.signal,
      onStart: (conformanceCase, index) => progress.start(conformanceCase.name, index),
      onResult: (result, index) => {
        progress.clear();
        if (!printJson) writeLine(context.stdout, formatResultLine(result));
        progress.done(index + 1, result.status === "failed");
      },
    });
  } finally {
    progress.clear();
    // Cleanup runs after a failure and after Ctrl-C too (a second Ctrl-C exits at once).
    if (!printJson && !context.json) progress.note(`cleaning up ${target.scratchPrefix}`);
    cleanup = await target.cleanup().catch((error: Error) => ({ deleted: 0, abortedUploads: 0, errors: [error.message] }));
    progress.clear();
    await signing.close();
  }
  const summary = summarize(results);
  const report: ConformanceReport = {
    ...header,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
    summary: patterns.length === 0 ? summary : { ...summary, selectedBy: patterns },
    cases: results,
    cleanup,
  };
  if (jsonFile !== undefined) await writeFile(resolve(context.cwd, jsonFile), `${JSON.stringify(report, null, 2)}\n`);
  if (markdownFile !== undefined) await writeFile(resolve(context.cwd, markdownFile), formatMarkdown(report));
  if (printJson) writeLine(context.stdout, JSON.stringify(report));
  else context.stdout.write(formatSummary(report));
  if (context.signal.aborted) return 130;
  return summary.failed > 0 ? 1 : 0;
}

/** `stowage conformance URL`: the conformance suite as a command, with a report. */
export const command: CommandModule = {
  summary: "run the conformance suite against a storage (or your own driver) and report",
  usage,
  options: {
    json: { type: "string" },
    markdown: { type: "string" },
    only: { type: "string", multiple: true },
    skip: { type: "string", multiple: true },
  },
  allowPositionals: true,
  run,
};
