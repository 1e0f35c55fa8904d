import { StorageError, isStorageError, throwIfAborted, type ObjectInfo, type StorageDriver } from "@stowage/core";

/** Counts of a rotation, migration or re-encryption run, as it goes. */
export interface SweepProgress {
  /** Objects listed so far. */
  scanned: number;
  /** Objects this run changed (rotated, encrypted or re-encrypted). */
  changed: number;
  /** Objects left as they were: already done, not applicable, or gone. */
  skipped: number;
  /** Objects a concurrent write changed first; that write won and the object was left to it (see each function). */
  conflicts: number;
  /** Objects that could not be processed; their errors are in the result's `failures`. */
  failed: number;
  /**
   * Stored body bytes this run moved through this process (read plus
   * written). 0 for a rotation on a driver that copies server-side.
   */
  bodyBytes: number;
}

/** A run's final counts, with the first failures (at most 100). */
export interface SweepResult extends SweepProgress {
  failures: { key: string; error: unknown }[];
}

/** What every sweep takes. */
export interface SweepOptions {
  /**
   * The INNER driver: the one `withEncryption` wraps (the layer hides the
   * records this works on).
   */
  driver: StorageDriver;
  /** Only keys under this prefix (default: every key). */
  prefix?: string;
  /** Stops the run: it rejects with `Aborted`; every object stays readable, and a later run resumes. */
  signal?: AbortSignal;
  /** Called after each object with the counts so far. */
  onProgress?: (progress: SweepProgress) => void;
  /** Objects processed at once (default 8). */
  concurrency?: number;
}

/** What one object's step answers. */
export type SweepOutcome = { outcome: "changed" | "skipped" | "conflict"; bodyBytes?: number };

const pageSize = 1000;
const keptFailures = 100;

/**
 * Lists every key under the prefix and runs `step` on each, `concurrency`
 * at a time, counting outcomes. An error of one object counts as failed
 * (an abort ends the run).
 */
export async function sweepObjects(options: SweepOptions, operation: string, step: (info: ObjectInfo) => Promise<SweepOutcome>): Promise<SweepResult> {
  const { driver, signal } = options;
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new StorageError("InvalidArgument", `${operation}: concurrency must be a positive integer`);
  const result: SweepResult = { scanned: 0, changed: 0, skipped: 0, conflicts: 0, failed: 0, bodyBytes: 0, failures: [] };
  const report = (): void => {
    const { failures: _failures, ...counts } = result;
    options.onProgress?.(counts);
  };
  let cursor: string | undefined;
  do {
    throwIfAborted(signal, operation);
    const page = await driver.list({ prefix: options.prefix ?? "", limit: pageSize, ...(cursor === undefined ? {} : { cursor }), ...(signal === undefined ? {} : { signal }) });
    const queue = [...page.objects];
    const worker = async (): Promise<void> => {
      for (let info = queue.shift(); info !== undefined; info = queue.shift()) {
        throwIfAborted(signal, operation);
        result.scanned++;
        try {
          const done = await step(info);
          if (done.outcome === "changed") result.changed++;
          else if (done.outcome === "skipped") result.skipped++;
          else result.conflicts++;
          result.bodyBytes += done.bodyBytes ?? 0;
        } catch (error) {
          if (isStorageError(error, "Aborted") || signal?.aborted) throw abortError(signal, operation, error);
          result.failed++;
          if (result.failures.length < keptFailures) result.failures.push({ key: info.key, error });
        }
        report();
      }
    };
    // Every worker settles before the run rejects: no copy or put is still in flight when it does.
    const settled = await Promise.allSettled(Array.from({ length: Math.min(concurrency, Math.max(1, queue.length)) }, worker));
    const stopped = settled.find((outcome) => outcome.status === "rejected");
    if (stopped !== undefined) throw stopped.reason;
    cursor = page.cursor;
  } while (cursor !== undefined);
  return result;
}

function abortError(signal: AbortSignal | undefined, operation: string, cause: unknown): unknown {
  if (isStorageError(cause, "Aborted")) return cause;
  try {
    throwIfAborted(signal, operation);
  } catch (error) {
    return error;
  }
  return cause;
}

/** The stored fields of an object as a copy or put replaces them, with `metadata` as given. */
export function storedFields(info: ObjectInfo, metadata: Record<string, string>): { contentType: string; cacheControl?: string; contentDisposition?: string; contentEncoding?: string; metadata: Record<string, string> } {
  const fields: ReturnType<typeof storedFields> = { contentType: info.contentType, metadata };
  if (info.cacheControl !== undefined) fields.cacheControl = info.cacheControl;
  if (info.contentDisposition !== undefined) fields.contentDisposition = info.contentDisposition;
  if (info.contentEncoding !== undefined) fields.contentEncoding = info.contentEncoding;
  return fields;
}

/** Refuses a run whose safety needs a capability the driver lacks, unless `unconditional`. */
export function requireConditional(driver: StorageDriver, capability: "copyIfMatch" | "putIfMatch", unconditional: boolean | undefined, operation: string, why: string): boolean {
  if (driver.capabilities[capability]) return true;
  if (unconditional === true) return false;
  throw new StorageError(
    "Unsupported",
    `${operation} on ${driver.name} needs the ${capability} capability: ${why}. ${driver.name} does not honour it${
      driver.capabilityHints?.[capability] === undefined ? "" : ` (${driver.capabilityHints[capability]})`
    }. Pass { unconditional: true } only for a bucket with no concurrent writers`,
  );
}
