import { StorageError } from "@stowage/core";
import type { FsCalls, MetadataCalls } from "./fs-calls.js";
import type { InfoCache } from "./info-cache.js";
import type { RootDirectory } from "./root-directory.js";
import type { SegmentCodec } from "./segment-name.js";

/** What every operation needs: the open root, the naming, the I/O strategy and the settings. */
export interface DriverContext {
  readonly root: RootDirectory;
  readonly codec: SegmentCodec;
  /** Short metadata calls: blocking, or through the thread pool (the `blocking` option). */
  readonly meta: MetadataCalls;
  /** Calls that always go through the thread pool (bodies, renames, fsync). */
  readonly io: FsCalls;
  readonly blocking: boolean;
  readonly durable: boolean;
  /** Mode of every file the driver creates, set explicitly (the umask does not apply). */
  readonly fileMode: number;
  /** Mode of every directory the driver creates, set explicitly. */
  readonly directoryMode: number;
  readonly infoCache: InfoCache;
}

/** Where a key lives: the directory names from the root down (each ending in `%`) and the file name. */
export interface KeyLocation {
  directoryNames: string[];
  fileName: string;
}

export function locateKey(codec: SegmentCodec, key: string): KeyLocation {
  const segments = key.split("/");
  const last = segments.pop()!;
  return { directoryNames: segments.map((segment) => codec.directoryName(segment)), fileName: codec.encode(last) };
}

/** Throws `Aborted` when the signal has fired (checked between the steps of an operation). */
export function throwIfAborted(signal: AbortSignal | undefined, action: string): void {
  if (signal?.aborted) throw new StorageError("Aborted", `The ${action} was aborted`, { cause: signal.reason });
}
