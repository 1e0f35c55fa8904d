import { StorageError, type DriverListOptions, type ListPage, type ObjectInfo } from "@stowage/core";
import { AbortScope } from "./abort-scope.js";
import { headObject } from "./get-object.js";
import { listObjects } from "./list-objects.js";
import type { S3Context } from "./s3-context.js";

/** HEADs in flight at once while a listed page is filled in. */
export const listHeadConcurrency = 16;

/**
 * One page of ListObjectsV2 whose objects carry what only HeadObject returns
 * (the content type, content-* fields and metadata): the driver contract asks
 * for each listed object's metadata when `capabilities.expiry` is on, and
 * ListObjectsV2 returns none. Each listed object costs one HEAD, at most
 * `concurrency` at once; the page keeps the listing's order. An object
 * deleted between the listing and its HEAD is dropped from the page; one
 * overwritten in between is returned as the HEAD saw it (size, etag and
 * metadata of one version). The first failing HEAD (or the caller's signal)
 * stops the others and fails the page.
 */
export async function listObjectsWithMetadata(
  context: S3Context,
  options: DriverListOptions,
  concurrency: number = listHeadConcurrency,
): Promise<ListPage> {
  const page = await listObjects(context, options);
  if (page.objects.length === 0) return page;
  const objects = await headAll(context, page.objects, options.signal, concurrency);
  return { ...page, objects: objects.filter((info): info is ObjectInfo => info !== null) };
}

async function headAll(
  context: S3Context,
  listed: readonly ObjectInfo[],
  signal: AbortSignal | undefined,
  concurrency: number,
): Promise<(ObjectInfo | null)[]> {
  const scope = new AbortScope(signal);
  // One controller per worker, all aborted by one listener on the scope: the
  // SDK adds listeners to the signal of each request, and 16 requests on one
  // signal would pass Node's listener warning threshold (10).
  const workers = Array.from({ length: Math.min(concurrency, listed.length) }, () => new AbortController());
  const abortWorkers = (): void => {
    for (const controller of workers) controller.abort(scope.signal.reason);
  };
  scope.signal.addEventListener("abort", abortWorkers, { once: true });
  const results: (ObjectInfo | null)[] = new Array<ObjectInfo | null>(listed.length).fill(null);
  let next = 0;
  let failure: unknown;
  const work = async (controller: AbortController): Promise<void> => {
    while (failure === undefined && !controller.signal.aborted && next < listed.length) {
      const index = next++;
      try {
        results[index] = await headObject(context, listed[index]!.key, { signal: controller.signal });
      } catch (error) {
        if (failure === undefined) failure = error;
        scope.abort(error);
      }
    }
  };
  try {
    if (scope.signal.aborted) abortWorkers();
    await Promise.all(workers.map(work));
  } finally {
    scope.signal.removeEventListener("abort", abortWorkers);
    scope.dispose();
  }
  if (signal?.aborted) throw new StorageError("Aborted", "The list was aborted", { cause: signal.reason });
  if (failure !== undefined) throw failure;
  return results;
}
