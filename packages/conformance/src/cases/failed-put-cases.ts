import { isStorageError, type PutBody, type PutOptions, type StorageErrorCode } from "@stowage/core";
import type { CaseContext } from "../conformance-case.js";
import { defineCase } from "../conformance-case.js";
import { assertDeepEqual, assertEqual, assertRejectsWith, assertTrue, fail } from "../assert.js";
import { assertAbsent, assertNoLeftovers, assertStored, chunked, listKeys, patternBytes, sha256Of, streamOf, utf8 } from "../case-tools.js";

const oldBody = utf8("the old value, which must survive");
const wrongDigest = "0".repeat(64);

/**
 * Puts an old value, then makes the failing attempt twice: over the old
 * value and on a fresh key. Checks the code, that the old value (data, etag
 * and metadata) is intact, that nothing new exists, and that the fixture
 * reports no leftovers.
 */
export async function failedPutLeavesNoTrace(
  context: CaseContext,
  code: StorageErrorCode | "any",
  attempt: () => { body: PutBody; options?: PutOptions },
  check?: (error: unknown) => void,
): Promise<void> {
  const { storage, key } = context;
  const old = await storage.put(key("existing"), oldBody, { contentType: "text/plain", metadata: { version: "old" } });
  for (const target of [key("existing"), key("fresh")]) {
    const { body, options } = attempt();
    let caught: unknown;
    try {
      await storage.put(target, body, options);
    } catch (error) {
      caught = error;
    }
    if (caught === undefined) fail(`put on ${target} should have failed, but it succeeded`);
    if (code === "any") {
      if (!isStorageError(caught)) fail(`put on ${target} rejected with a non-StorageError: ${String(caught)}`);
    } else {
      await assertRejectsWith(Promise.reject(caught), code, `put on ${target}`);
    }
    check?.(caught);
  }
  await assertStored(storage, key("existing"), oldBody, "the old value");
  const head = await storage.head(key("existing"));
  assertEqual(head?.etag, old.etag, "the old etag");
  assertEqual(head?.contentType, "text/plain", "the old content type");
  assertDeepEqual(head?.metadata, { version: "old" }, "the old metadata");
  await assertAbsent(storage, key("fresh"), "the fresh key");
  assertDeepEqual(await listKeys(context), [key("existing")], "list shows only the old object");
  await assertNoLeftovers(context, "after the failed puts");
}

const newData = patternBytes(200_000, 21);

export const failedPutCases = [
  defineCase({
    name: "failed put: a stream that errors midway rejects and changes nothing",
    requires: [],
    async run(context) {
      const original = new Error("conformance: the source broke");
      await failedPutLeavesNoTrace(
        context,
        "any",
        () => ({ body: streamOf(chunked(newData, 65_536), { errorAfter: true, error: original }) }),
        (error) => {
          let cause: unknown = error;
          for (let depth = 0; depth < 5 && cause !== original && cause !== undefined; depth++) {
            cause = (cause as { cause?: unknown }).cause;
          }
          assertTrue(cause === original, "the StorageError's cause chain keeps the stream's own error");
        },
      );
    },
  }),
  defineCase({
    name: "failed put: a stream that errors before its first chunk changes nothing",
    requires: [],
    async run(context) {
      await failedPutLeavesNoTrace(context, "any", () => ({ body: streamOf([], { errorAfter: true }) }));
    },
  }),
  defineCase({
    name: "failed put: a wrong sha256 on bytes gives ChecksumMismatch and changes nothing",
    requires: ["sha256"],
    async run(context) {
      await failedPutLeavesNoTrace(context, "ChecksumMismatch", () => ({ body: newData, options: { sha256: wrongDigest } }));
    },
  }),
  defineCase({
    name: "failed put: a wrong sha256 on a stream gives ChecksumMismatch and changes nothing",
    requires: ["sha256"],
    async run(context) {
      // The digest of the old value: right for another body, wrong for this one.
      const digestOfOld = await sha256Of(oldBody);
      await failedPutLeavesNoTrace(context, "ChecksumMismatch", () => ({
        body: streamOf(chunked(newData, 65_536)),
        options: { sha256: digestOfOld },
      }));
    },
  }),
  defineCase({
    name: "failed put: bytes shorter than size give InvalidArgument and change nothing",
    requires: [],
    async run(context) {
      await failedPutLeavesNoTrace(context, "InvalidArgument", () => ({ body: newData, options: { size: newData.byteLength + 1 } }));
    },
  }),
  defineCase({
    name: "failed put: bytes longer than size give InvalidArgument and change nothing",
    requires: [],
    async run(context) {
      await failedPutLeavesNoTrace(context, "InvalidArgument", () => ({ body: newData, options: { size: newData.byteLength - 1 } }));
    },
  }),
  defineCase({
    name: "failed put: a stream shorter than size gives InvalidArgument and changes nothing",
    requires: [],
    async run(context) {
      await failedPutLeavesNoTrace(context, "InvalidArgument", () => ({
        body: streamOf(chunked(newData, 65_536)),
        options: { size: newData.byteLength + 1000 },
      }));
    },
  }),
  defineCase({
    name: "failed put: a stream longer than size gives InvalidArgument and changes nothing",
    requires: [],
    async run(context) {
      await failedPutLeavesNoTrace(context, "InvalidArgument", () => ({
        body: streamOf(chunked(newData, 65_536)),
        options: { size: newData.byteLength - 1000 },
      }));
    },
  }),
  defineCase({
    name: "failed put: a Blob whose size differs from size gives InvalidArgument",
    requires: [],
    async run(context) {
      await failedPutLeavesNoTrace(context, "InvalidArgument", () => ({
        body: new Blob([newData]),
        options: { size: newData.byteLength + 1 },
      }));
    },
  }),
  defineCase({
    name: "failed put: an already aborted signal gives Aborted and changes nothing",
    requires: [],
    async run(context) {
      await failedPutLeavesNoTrace(context, "Aborted", () => {
        const controller = new AbortController();
        controller.abort(new Error("conformance: cancelled before the put"));
        return { body: newData, options: { signal: controller.signal } };
      });
      await failedPutLeavesNoTrace(context, "Aborted", () => {
        const controller = new AbortController();
        controller.abort();
        return { body: streamOf(chunked(newData, 65_536)), options: { signal: controller.signal } };
      });
    },
  }),
  defineCase({
    name: "failed put: a signal aborted while the stream is read gives Aborted and changes nothing",
    requires: [],
    async run(context) {
      await failedPutLeavesNoTrace(context, "Aborted", () => {
        const controller = new AbortController();
        const body = streamOf(chunked(newData, 65_536), {
          hang: true,
          // Abort once the driver has taken some of the body.
          onPull: (index) => {
            if (index === 2) queueMicrotask(() => controller.abort(new Error("conformance: cancelled midway")));
          },
        });
        return { body, options: { signal: controller.signal } };
      });
    },
  }),
];
