import { describe, expect, it } from "vitest";
import {
  StorageError,
  createStorage,
  isStorageError,
  noCapabilities,
  type DriverGetResult,
  type ListPage,
  type ObjectInfo,
  type StorageDriver,
} from "@stowage/core";
import { objectInfo, spyDriver } from "./spy-driver.js";

/** A promise with its settle functions. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

interface Call {
  method: string;
  signal: AbortSignal | undefined;
}

/**
 * A driver stuck on a frozen server: every call stays pending until the test
 * settles it (or forever). It records the signal each call received.
 */
function frozenDriver() {
  const calls: Call[] = [];
  const pending = {
    put: deferred<ObjectInfo>(),
    get: deferred<DriverGetResult | null>(),
    head: deferred<ObjectInfo | null>(),
    list: deferred<ListPage>(),
    delete: deferred<void>(),
  };
  const driver: StorageDriver = {
    name: "frozen",
    capabilities: { ...noCapabilities },
    put(_key, _body, options) {
      calls.push({ method: "put", signal: options.signal });
      return pending.put.promise;
    },
    get(_key, options) {
      calls.push({ method: "get", signal: options.signal });
      return pending.get.promise;
    },
    head(_key, options) {
      calls.push({ method: "head", signal: options.signal });
      return pending.head.promise;
    },
    list(options) {
      calls.push({ method: "list", signal: options.signal });
      return pending.list.promise;
    },
    delete(_keys, options) {
      calls.push({ method: "delete", signal: options.signal });
      return pending.delete.promise;
    },
  };
  return { driver, calls, pending };
}

/** Settles with the outcome, and how long after `since` it settled. */
async function settle(promise: Promise<unknown>): Promise<{ value?: unknown; error?: unknown; at: number }> {
  try {
    return { value: await promise, at: performance.now() };
  } catch (error) {
    return { error, at: performance.now() };
  }
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe("a signal aborted mid-call", () => {
  const reads: [string, (storage: ReturnType<typeof createStorage>, signal: AbortSignal) => Promise<unknown>][] = [
    ["head", (storage, signal) => storage.head("k", { signal })],
    ["get", (storage, signal) => storage.get("k", { signal })],
    ["list", (storage, signal) => storage.list({ prefix: "p/", signal })],
    ["delete", (storage, signal) => storage.delete(["k", "l"], { signal })],
  ];

  it.each(reads)("%s rejects with Aborted at once, though the driver never settles", async (method, run) => {
    const { driver, calls } = frozenDriver();
    const storage = createStorage(driver);
    const controller = new AbortController();
    const reason = new Error("user navigated away");
    const outcome = settle(run(storage, controller.signal));
    await tick();
    expect(calls.map((call) => call.method)).toEqual([method]);
    expect(calls[0]!.signal, "the driver receives the signal to stop its own I/O").toBe(controller.signal);
    let settled = false;
    void outcome.then(() => (settled = true));
    await tick();
    expect(settled, "still pending before the abort").toBe(false);
    const abortedAt = performance.now();
    controller.abort(reason);
    const result = await outcome;
    expect(isStorageError(result.error, "Aborted"), String(result.error)).toBe(true);
    expect((result.error as StorageError).operation).toBe(method);
    expect((result.error as StorageError).driver).toBe("frozen");
    expect((result.error as StorageError).cause).toBe(reason);
    expect(result.at - abortedAt).toBeLessThan(100);
  });

  it.each(reads)("%s with a live signal waits for the driver's answer", async (method, run) => {
    const { driver, pending } = frozenDriver();
    const storage = createStorage(driver);
    const live = new AbortController();
    const outcome = settle(run(storage, live.signal));
    let settled = false;
    void outcome.then(() => (settled = true));
    await tick();
    expect(settled).toBe(false);
    if (method === "head") pending.head.resolve(objectInfo("k"));
    if (method === "get") pending.get.resolve(null);
    if (method === "list") pending.list.resolve({ objects: [], prefixes: [] });
    if (method === "delete") pending.delete.resolve();
    const result = await outcome;
    expect(result.error).toBeUndefined();
    // An abort after the driver answered changes nothing.
    live.abort();
    await tick();
  });

  it("put does not race the signal: its outcome is the driver's", async () => {
    const { driver, calls, pending } = frozenDriver();
    const storage = createStorage(driver);
    const controller = new AbortController();
    const outcome = settle(storage.put("k", "bytes", { signal: controller.signal }));
    await tick();
    expect(calls).toEqual([{ method: "put", signal: controller.signal }]);
    controller.abort();
    let settled = false;
    void outcome.then(() => (settled = true));
    await tick();
    await tick();
    expect(settled, "put still waits for the driver after the abort").toBe(false);
    pending.put.resolve(objectInfo("k", { size: 5 }));
    const result = await outcome;
    expect(result.error).toBeUndefined();
    expect((result.value as ObjectInfo).size).toBe(5);
  });

  it("put rejects with the driver's own error after an abort", async () => {
    const { driver, pending } = frozenDriver();
    const storage = createStorage(driver);
    const controller = new AbortController();
    const outcome = settle(storage.put("k", "bytes", { signal: controller.signal }));
    await tick();
    controller.abort();
    pending.put.reject(new StorageError("PreconditionFailed", "lost the race"));
    const result = await outcome;
    expect(isStorageError(result.error, "PreconditionFailed"), String(result.error)).toBe(true);
  });
});

describe("signals handed to head and delete", () => {
  it("reach the driver as { signal }, and an absent one as {}", async () => {
    const driver = spyDriver();
    const storage = createStorage(driver);
    const controller = new AbortController();
    await storage.head("a", { signal: controller.signal });
    await storage.head("b");
    await storage.delete("c", { signal: controller.signal });
    await storage.delete(["d"]);
    expect(driver.calls.map((call) => call.options)).toEqual([{ signal: controller.signal }, {}, { signal: controller.signal }, {}]);
  });

  it("an already aborted signal never reaches the driver on head, list or delete", async () => {
    const driver = spyDriver();
    const storage = createStorage(driver);
    const controller = new AbortController();
    controller.abort();
    const signal = controller.signal;
    for (const promise of [storage.head("a", { signal }), storage.list({ signal }), storage.delete(["a", "b"], { signal })]) {
      const result = await settle(promise);
      expect(isStorageError(result.error, "Aborted"), String(result.error)).toBe(true);
    }
    expect(driver.calls).toEqual([]);
  });

  it("a delete of more than 1000 keys stops between batches once aborted", async () => {
    const controller = new AbortController();
    const batches: number[] = [];
    const driver = spyDriver();
    const storage = createStorage({
      ...driver,
      async delete(keys) {
        batches.push(keys.length);
        controller.abort();
      },
    });
    const keys = Array.from({ length: 2500 }, (_, index) => `k${index}`);
    const result = await settle(storage.delete(keys, { signal: controller.signal }));
    expect(isStorageError(result.error, "Aborted"), String(result.error)).toBe(true);
    expect(batches).toEqual([1000]);
  });
});
