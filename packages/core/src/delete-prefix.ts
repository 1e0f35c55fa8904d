import type { StorageDriver } from "./storage-driver.js";
import type { DeletePrefixOptions, DeletePrefixResult, ListPage } from "./storage-types.js";
import { throwIfAborted, validateSignal } from "./abort-signal.js";
import { assertKnownOptions, describe } from "./known-options.js";
import { deletePrefixOptionNames } from "./operation-options.js";
import { invalid, isFlagSet, validateListText } from "./validate-options.js";

export interface DeletePrefixRequest {
  prefix: string;
  signal?: AbortSignal;
  onProgress?: (progress: { deleted: number }) => void;
}

/** Checks deletePrefix's arguments: an empty prefix needs `all: true`, and `all` takes no prefix. */
export function normalizeDeletePrefixOptions(prefix: unknown, options: DeletePrefixOptions): DeletePrefixRequest {
  assertKnownOptions(options, deletePrefixOptionNames, "deletePrefix options");
  const text = validateListText(prefix, "prefix", true);
  const all = isFlagSet(options.all, "all");
  if (text === "" && !all) throw invalid("deletePrefix with an empty prefix deletes every object; pass { all: true } to mean that");
  if (text !== "" && all) throw invalid("all: true deletes every object and takes an empty prefix; pass the prefix alone to delete under it");
  if (options.onProgress !== undefined && typeof options.onProgress !== "function") {
    throw invalid(`onProgress must be a function (got ${describe(options.onProgress)})`);
  }
  const signal = validateSignal(options.signal);
  throwIfAborted(signal, "deletePrefix");
  return {
    prefix: text,
    ...(signal === undefined ? {} : { signal }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  };
}

/**
 * Deletes every object under `prefix`, a listed page (up to 1000 keys) per
 * batch. The next page is listed while the current one is deleted. It
 * stops between batches when `signal` aborts; what was deleted stays
 * deleted, and calling again continues with what is left. Objects written
 * under the prefix while it runs, at positions already passed, remain.
 */
export async function deletePrefix(driver: StorageDriver, request: DeletePrefixRequest): Promise<DeletePrefixResult> {
  const { prefix, signal, onProgress } = request;
  const signalOption = signal === undefined ? {} : { signal };
  const listPage = (cursor?: string): Promise<ListPage> =>
    driver.list({ prefix, limit: 1000, ...signalOption, ...(cursor === undefined ? {} : { cursor }) });
  let deleted = 0;
  let page: ListPage | undefined = await listPage();
  while (page !== undefined) {
    throwIfAborted(signal, "deletePrefix");
    const next: Promise<ListPage> | undefined = page.cursor === undefined ? undefined : listPage(page.cursor);
    // A failed delete must not leave the prefetch's rejection unhandled.
    next?.catch(() => {});
    const keys = page.objects.map((object) => object.key);
    if (keys.length > 0) {
      await driver.delete(keys, signalOption);
      deleted += keys.length;
      onProgress?.({ deleted });
    }
    page = next === undefined ? undefined : await next;
  }
  return { deleted };
}
