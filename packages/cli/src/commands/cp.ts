import { StorageError, type Storage } from "@stowage/core";
import type { CommandContext, CommandModule, Location } from "../command.js";
import { UsageError, exitCodes } from "../errors.js";
import { barProgress } from "../progress-bar.js";
import { lineProgress } from "../progress-lines.js";
import type { TransferProgress } from "../progress.js";
import { planTransfers } from "../transfer-plan.js";
import { runTransfers } from "../transfer-run.js";

/** Copies in flight at once for `cp -r` unless `--concurrency` says otherwise. */
export const defaultConcurrency = 8;

const usage = `Usage: stowage cp SRC DST [-r] [--concurrency N]

Copies a local file (or - for stdin) to a storage, an object to a local path
(or - for stdout), or an object between storages (also across providers).
Bodies stream; content type and metadata are kept (a local upload's type
comes from its extension). The copy appears only once complete: Ctrl-C
leaves no partial object or file behind, aborts multipart uploads, and
exits with 130.

  SRC, DST            a local path, -, URL#key or s3://bucket/key?endpoint=…
                      (a DST ending in / or naming a directory gets SRC's name)
  -r, --recursive     copy every file under a directory, or every object
                      under a prefix (URL#photos/)
  --concurrency N     copies in flight at once with -r (default ${defaultConcurrency})
  --json              one JSON object per line ({"event":"copied"|"failed"|"summary",…})

On a terminal a progress bar shows bytes, rate, ETA and files done; elsewhere
each file copied prints a line, then a summary line.`;

function parseConcurrency(value: unknown): number {
  if (value === undefined) return defaultConcurrency;
  const text = String(value);
  if (!/^[1-9][0-9]*$/.test(text) || Number(text) > 1000) {
    throw new UsageError(`--concurrency must be a whole number from 1 to 1000 (got ${JSON.stringify(text)})`);
  }
  return Number(text);
}

/** The storages a copy wrote to or read from, for cleanup after an interruption. */
function storagesOf(...locations: Location[]): Storage[] {
  return [...new Set(locations.flatMap((location) => (location.kind === "storage" ? [location.storage] : [])))];
}

/**
 * After Ctrl-C: retry the AbortMultipartUpload of any upload whose abort
 * failed (drivers that keep such a list, as S3's does), bounded by the
 * driver's own cleanup timeout.
 */
async function cleanupAfterInterrupt(storages: Storage[]): Promise<void> {
  await Promise.allSettled(
    storages.map(async (storage) => {
      const driver = storage.driver as { cleanup?: () => Promise<unknown> };
      if (typeof driver.cleanup === "function") await driver.cleanup();
    }),
  );
}

/** `stowage cp SRC DST [-r] [--concurrency N]`. */
export const command: CommandModule = {
  summary: "copy files and objects between local paths and storages (-r for trees), with progress",
  usage,
  options: {
    recursive: { type: "boolean", short: "r" },
    concurrency: { type: "string" },
  },
  allowPositionals: true,
  async run(values, positionals, context: CommandContext) {
    if (positionals.length !== 2) throw new UsageError(`cp takes SRC and DST (got ${positionals.length} argument${positionals.length === 1 ? "" : "s"})`);
    const [sourceText, targetText] = positionals as [string, string];
    const recursive = values.recursive === true;
    const concurrency = parseConcurrency(values.concurrency);
    const source = await context.open(sourceText);
    const target = await context.open(targetText);
    const items = await planTransfers({ source, target, sourceText, targetText, recursive, signal: context.signal });
    const toStdout = target.kind === "local" && target.path === "-";
    const single = !recursive;
    const bar = context.isTTY && !context.json && (context.stderr as { isTTY?: boolean }).isTTY !== false;
    let progress: TransferProgress = bar
      ? barProgress(context.stderr)
      : lineProgress(toStdout ? context.stderr : context.stdout, context.stderr, context.json);
    if (single) {
      // One copy: its error is the command's (one line, printed by the CLI); no summary off a terminal,
      // and nothing besides the bytes when they go to stdout.
      const inner = progress;
      progress = {
        ...inner,
        fileDone: (item, bytes) => (toStdout && !bar ? undefined : inner.fileDone(item, bytes)),
        fileFailed() {},
        finish: (summary) => (bar ? inner.finish(summary) : undefined),
      };
    }
    const result = await runTransfers(items, {
      concurrency: single ? 1 : concurrency,
      signal: context.signal,
      stdin: context.stdin,
      stdout: context.stdout,
      progress,
    });
    if (context.signal.aborted) {
      await cleanupAfterInterrupt(storagesOf(source, target));
      // The CLI prints "stowage: interrupted" and exits with 130.
      throw new StorageError("Aborted", "interrupted", { cause: context.signal.reason });
    }
    if (single && result.errors.length > 0) throw result.errors[0];
    return result.failed > 0 ? exitCodes.failure : exitCodes.ok;
  },
};
