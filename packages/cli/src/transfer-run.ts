import { isStorageError } from "@stowage/core";
import type { TransferProgress, TransferSummary } from "./progress.js";
import type { TransferItem } from "./transfer-plan.js";
import { copyItem } from "./transfer-copy.js";

export interface RunTransfersOptions {
  /** Copies in flight at once (at least 1). */
  concurrency: number;
  signal: AbortSignal;
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  progress: TransferProgress;
  /** Milliseconds; injected for tests. */
  now?: () => number;
}

/**
 * Copies every item, `concurrency` at a time. A failed item is reported and
 * the others go on; once `signal` aborts, no new item starts and those in
 * flight fail with `Aborted` (each put leaves nothing behind). Resolves when
 * every started copy settled, with the summary the progress was given.
 */
export async function runTransfers(items: TransferItem[], options: RunTransfersOptions): Promise<TransferSummary & { errors: unknown[] }> {
  const { signal, progress } = options;
  const now = options.now ?? Date.now;
  const started = now();
  const planned = items.every((item) => item.size !== undefined) ? items.reduce((sum, item) => sum + (item.size ?? 0), 0) : undefined;
  progress.start({ files: items.length, bytes: planned });
  let next = 0;
  let files = 0;
  let failed = 0;
  let bytes = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < items.length && !signal.aborted) {
      const item = items[next++]!;
      try {
        const copied = await copyItem(item, {
          stdin: options.stdin,
          stdout: options.stdout,
          signal,
          onBytes: (more) => progress.addBytes(more),
          onSize: (size) => {
            if (item.size === undefined && planned === undefined) progress.addTotal(size);
          },
        });
        files++;
        // The summary counts the bytes of files copied, not of failed attempts.
        bytes += copied;
        progress.fileDone(item, copied);
      } catch (error) {
        // An interrupted copy is the interruption's doing, not a failure of its own.
        if (signal.aborted && (!isStorageError(error) || error.code === "Aborted")) continue;
        failed++;
        errors.push(error);
        progress.fileFailed(item, error);
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, items.length)) }, worker);
  await Promise.all(workers);
  const summary: TransferSummary = { files, failed, bytes, seconds: (now() - started) / 1000, interrupted: signal.aborted };
  progress.finish(summary);
  return { ...summary, errors };
}
