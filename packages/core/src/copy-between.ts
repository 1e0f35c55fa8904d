import type { ObjectInfo } from "./storage-types.js";
import type { Storage } from "./storage.js";
import { StorageError } from "./storage-error.js";
import { assertKnownOptions, describe } from "./known-options.js";
import { invalid, isFlagSet } from "./validate-options.js";

export interface CopyBetweenOptions {
  /** Fail with `PreconditionFailed` unless the source's etag equals this. */
  ifMatch?: string;
  /** Fail with `AlreadyExists` when the target exists; it stays unchanged. */
  ifNotExists?: boolean;
  /** Aborting fails the copy with `Aborted`; the previous target stays intact. */
  signal?: AbortSignal;
  /** Called as bytes reach the target: `total` is the source's size. */
  onProgress?: (progress: { bytes: number; total: number }) => void;
}

const copyBetweenOptionNames = ["ifMatch", "ifNotExists", "signal", "onProgress"] as const;

/**
 * Copies an object from one `Storage` to another (fs to S3, memory to R2),
 * keeping its content type, content-* fields and metadata. The body
 * streams from `source.get` into `target.put` with its size, in constant
 * memory; the target appears only when the whole body arrived. Within one
 * `Storage` that can copy, it uses `copy` (server-side where the driver is).
 */
export async function copyBetween(
  source: Storage,
  sourceKey: string,
  target: Storage,
  targetKey: string,
  options: CopyBetweenOptions = {},
): Promise<ObjectInfo> {
  assertKnownOptions(options, copyBetweenOptionNames, "copyBetween options");
  const { ifMatch, signal, onProgress } = options;
  const ifNotExists = isFlagSet(options.ifNotExists, "ifNotExists");
  if (onProgress !== undefined && typeof onProgress !== "function") {
    throw invalid(`onProgress must be a function (got ${describe(onProgress)})`);
  }
  const common = {
    ...(ifMatch === undefined ? {} : { ifMatch }),
    ...(ifNotExists ? { ifNotExists: true } : {}),
    ...(signal === undefined ? {} : { signal }),
  };
  const copyHonours =
    (ifMatch === undefined || source.capabilities.copyIfMatch) && (!ifNotExists || source.capabilities.copyIfNotExists);
  if (source === target && source.capabilities.copy && copyHonours) {
    const info = await source.copy(sourceKey, targetKey, common);
    onProgress?.({ bytes: info.size, total: info.size });
    return info;
  }
  const object = await source.get(sourceKey, {
    ...(ifMatch === undefined ? {} : { ifMatch }),
    ...(signal === undefined ? {} : { signal }),
  });
  if (object === null) {
    throw new StorageError("NotFound", `${sourceKey} does not exist`, { key: sourceKey, operation: "copyBetween" });
  }
  const total = object.size;
  let bytes = 0;
  const counted =
    onProgress === undefined
      ? object.body
      : object.body.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              bytes += chunk.byteLength;
              onProgress({ bytes, total });
              controller.enqueue(chunk);
            },
          }),
        );
  const fields = {
    contentType: object.contentType,
    metadata: object.metadata,
    ...(object.cacheControl === undefined ? {} : { cacheControl: object.cacheControl }),
    ...(object.contentDisposition === undefined ? {} : { contentDisposition: object.contentDisposition }),
    ...(object.contentEncoding === undefined ? {} : { contentEncoding: object.contentEncoding }),
  };
  try {
    return await target.put(targetKey, counted, {
      ...fields,
      size: total,
      ...(ifNotExists ? { ifNotExists: true } : {}),
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    // A put refused before it read the body must still release the source.
    if (!counted.locked) await counted.cancel(error).catch(() => {});
    throw error;
  }
}
