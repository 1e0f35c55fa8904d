import { StorageError, createStorage, isStorageError, storageErrorCodes } from "@stowage/core";
import type { CaseContext } from "../conformance-case.js";
import { defineCase } from "../conformance-case.js";
import { assertEqual, assertRejectsWith, assertTrue, fail } from "../assert.js";
import { wrapDriver } from "../wrap-driver.js";

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return fail("expected the call to fail");
}

function checkShape(error: unknown, expected: { code: string; operation: string; driver: string; key?: string }, label: string) {
  if (!isStorageError(error)) fail(`${label}: not a StorageError: ${String(error)}`);
  assertTrue(error instanceof Error, `${label}: is an Error`);
  assertEqual(error.name, "StorageError", `${label}: name`);
  assertTrue(storageErrorCodes.includes(error.code), `${label}: code ${error.code} is from the closed set`);
  assertEqual(error.code, expected.code, `${label}: code`);
  assertEqual(error.operation, expected.operation, `${label}: operation`);
  assertEqual(error.driver, expected.driver, `${label}: driver`);
  if (expected.key !== undefined) assertEqual(error.key, expected.key, `${label}: key`);
  assertEqual(typeof error.retryable, "boolean", `${label}: retryable is a boolean`);
  assertTrue(error.message.length > 0, `${label}: has a message`);
}

/** A driver whose every method fails with `make()`. */
function failingStorage(context: CaseContext, make: () => unknown) {
  const fails = async () => {
    throw make();
  };
  return createStorage(
    wrapDriver(context.fixture.driver, { methods: { put: fails, get: fails, head: fails, list: fails, delete: fails } }),
  );
}

export const errorCases = [
  defineCase({
    name: "errors: every error is a StorageError with code, operation, key and driver",
    requires: [],
    async run(context) {
      const { storage, key, fixture } = context;
      const driver = fixture.driver.name;
      const capabilities = storage.capabilities;
      const info = await storage.put(key("e"), "content");
      checkShape(await caught(storage.put("/bad", "x")), { code: "InvalidKey", operation: "put", driver, key: "/bad" }, "InvalidKey");
      checkShape(await caught(storage.list({ limit: 0 })), { code: "InvalidArgument", operation: "list", driver }, "list limit");
      checkShape(
        await caught(storage.put(key("e"), "x", { metadata: { Bad: "x" } })),
        { code: "InvalidArgument", operation: "put", driver, key: key("e") },
        "metadata",
      );
      const aborted = new AbortController();
      aborted.abort();
      checkShape(
        await caught(storage.put(key("e"), "x", { signal: aborted.signal })),
        { code: "Aborted", operation: "put", driver, key: key("e") },
        "Aborted",
      );
      if (capabilities.putIfNotExists) {
        checkShape(
          await caught(storage.put(key("e"), "x", { ifNotExists: true })),
          { code: "AlreadyExists", operation: "put", driver, key: key("e") },
          "AlreadyExists",
        );
      }
      if (capabilities.putIfMatch) {
        checkShape(
          await caught(storage.put(key("e"), "x", { ifMatch: `${info.etag}-stale` })),
          { code: "PreconditionFailed", operation: "put", driver, key: key("e") },
          "PreconditionFailed (put)",
        );
      }
      if (capabilities.conditionalGet) {
        checkShape(
          await caught(storage.get(key("e"), { ifNoneMatch: info.etag })),
          { code: "NotModified", operation: "get", driver, key: key("e") },
          "NotModified",
        );
      }
      if (capabilities.rangeRead) {
        checkShape(
          await caught(storage.get(key("e"), { range: { offset: 100 } })),
          { code: "RangeNotSatisfiable", operation: "get", driver, key: key("e") },
          "RangeNotSatisfiable",
        );
      }
      if (capabilities.sha256) {
        checkShape(
          await caught(storage.put(key("e"), "x", { sha256: "1".repeat(64) })),
          { code: "ChecksumMismatch", operation: "put", driver, key: key("e") },
          "ChecksumMismatch",
        );
      }
      if (!capabilities.signGet) {
        checkShape(await caught(storage.signGet(key("e"))), { code: "Unsupported", operation: "signGet", driver, key: key("e") }, "Unsupported");
      }
    },
  }),
  defineCase({
    name: "errors: a driver's native error becomes Unknown and keeps it as cause",
    requires: [],
    async run(context) {
      const native = new TypeError("conformance: native failure");
      const storage = failingStorage(context, () => native);
      const driver = context.fixture.driver.name;
      const calls: [string, () => Promise<unknown>][] = [
        ["put", () => storage.put(context.key("n"), "x")],
        ["get", () => storage.get(context.key("n"))],
        ["head", () => storage.head(context.key("n"))],
        ["list", () => storage.list({ prefix: context.prefix })],
        ["delete", () => storage.delete(context.key("n"))],
      ];
      for (const [operation, call] of calls) {
        const error = await caught(call());
        checkShape(error, { code: "Unknown", operation, driver }, operation);
        assertTrue((error as StorageError).cause === native, `${operation}: cause is the native error`);
      }
    },
  }),
  defineCase({
    name: "errors: a driver's StorageError passes through with its code",
    requires: [],
    async run(context) {
      const storage = failingStorage(context, () => new StorageError("RateLimited", "conformance: slow down"));
      const error = await assertRejectsWith(storage.put(context.key("r"), "x"), "RateLimited", "put");
      assertEqual(error.retryable, true, "RateLimited is retryable");
      assertEqual(error.operation, "put", "operation is filled in");
      assertEqual(error.driver, context.fixture.driver.name, "driver is filled in");
      assertEqual(error.key, context.key("r"), "key is filled in");
      assertTrue(!isStorageError(error.cause), "not wrapped twice");
    },
  }),
  defineCase({
    name: "errors: a driver's AbortError becomes Aborted",
    requires: [],
    async run(context) {
      const storage = failingStorage(context, () => {
        const error = new Error("conformance: aborted natively");
        error.name = "AbortError";
        return error;
      });
      await assertRejectsWith(storage.get(context.key("a")), "Aborted", "get");
      await assertRejectsWith(storage.put(context.key("a"), "x"), "Aborted", "put");
    },
  }),
  defineCase({
    name: "errors: a body stream that fails while read gives a StorageError",
    requires: [],
    async run(context) {
      const { fixture, key } = context;
      const native = new Error("conformance: the connection dropped");
      const info = await context.storage.put(key("s"), "content");
      const storage = createStorage(
        wrapDriver(fixture.driver, {
          methods: {
            get: async () => ({
              info,
              body: new ReadableStream<Uint8Array>({
                pull(controller) {
                  controller.error(native);
                },
              }),
            }),
          },
        }),
      );
      const object = await storage.get(key("s"));
      const error = await caught(object!.bytes());
      if (!isStorageError(error)) fail(`reading the body failed with a non-StorageError: ${String(error)}`);
      assertEqual(error.operation, "get", "operation");
      assertTrue(error.cause === native, "cause is the stream's error");
    },
  }),
];
