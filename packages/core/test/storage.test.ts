import { describe, expect, it } from "vitest";
import {
  Storage,
  StorageError,
  createStorage,
  isStorageError,
  noCapabilities,
  type Capabilities,
  type StorageDriver,
} from "@stowage/core";
import { allCapabilities, objectInfo, spyDriver } from "./spy-driver.js";

async function rejection(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    expect(isStorageError(error), String(error)).toBe(true);
    return error as StorageError;
  }
  throw new Error("expected a rejection");
}

describe("createStorage", () => {
  const complete = spyDriver();
  const without = (name: keyof StorageDriver) => {
    const copy: Record<string, unknown> = { ...complete };
    delete copy[name];
    return copy;
  };
  it.each([
    ["null", null],
    ["undefined", undefined],
    ["a number", 42],
    ["a string", "memory"],
    ["an empty object", {}],
    ["a driver without a name", without("name")],
    ["a driver without capabilities", without("capabilities")],
    ["a driver without get", without("get")],
    ["a driver without head", without("head")],
    ["a driver without list", without("list")],
    ["a driver without delete", without("delete")],
    ["a driver whose put is not a function", { ...complete, put: "nope" }],
  ])("refuses %s with InvalidArgument", (_name, value) => {
    let thrown: unknown;
    try {
      createStorage(value as unknown as StorageDriver);
    } catch (error) {
      thrown = error;
    }
    expect(isStorageError(thrown, "InvalidArgument")).toBe(true);
  });

  it("accepts a driver and exposes it with a frozen copy of its capabilities", () => {
    const driver = spyDriver({ capabilities: { rangeRead: true } });
    const storage = createStorage(driver);
    expect(storage).toBeInstanceOf(Storage);
    expect(storage.driver).toBe(driver);
    expect(storage.capabilities.rangeRead).toBe(true);
    expect(Object.isFrozen(storage.capabilities)).toBe(true);
    expect(storage.capabilities).not.toBe(driver.capabilities);
  });
});

type Call = (storage: Storage) => Promise<unknown>;
const shaOfX = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881";

const gated: Array<[string, keyof Capabilities, Call]> = [
  ["get with range", "rangeRead", (s) => s.get("k", { range: { offset: 0, length: 1 } })],
  ["get with a suffix range", "rangeRead", (s) => s.get("k", { range: { suffix: 1 } })],
  ["get with ifMatch", "conditionalGet", (s) => s.get("k", { ifMatch: "e" })],
  ["get with ifNoneMatch", "conditionalGet", (s) => s.get("k", { ifNoneMatch: "e" })],
  ["put with ifNotExists", "putIfNotExists", (s) => s.put("k", "x", { ifNotExists: true })],
  ["put with ifMatch", "putIfMatch", (s) => s.put("k", "x", { ifMatch: "e" })],
  ["put with sha256", "sha256", (s) => s.put("k", "x", { sha256: shaOfX })],
  ["put of a stream with sha256", "sha256", (s) => s.put("k", new Blob(["x"]).stream(), { sha256: shaOfX })],
  ["list with delimiter", "listDelimiter", (s) => s.list({ delimiter: "/" })],
  ["signPut", "signPut", (s) => s.signPut("k")],
  ["signGet", "signGet", (s) => s.signGet("k")],
];

const signPutGated: Array<[string, keyof Capabilities, Call]> = [
  ["signPut with contentType", "signPutContentType", (s) => s.signPut("k", { contentType: "image/png" })],
  ["signPut with size", "signPutSize", (s) => s.signPut("k", { size: 10 })],
  ["signPut with maxSize", "signPutMaxSize", (s) => s.signPut("k", { maxSize: 10 })],
  ["signPut with oneTime", "signPutOneTime", (s) => s.signPut("k", { oneTime: true })],
  ["signPut with ifNotExists", "signPutIfNotExists", (s) => s.signPut("k", { ifNotExists: true })],
];

describe("Unsupported is raised before the driver is called", () => {
  it.each([...gated, ...signPutGated])("%s needs %s", async (_name, capability, call) => {
    const base = capability.startsWith("signPut") && capability !== "signPut" ? { signPut: true } : {};
    const refusing = spyDriver({ signing: true, capabilities: base });
    const error = await rejection(call(createStorage(refusing)));
    expect(error.code).toBe("Unsupported");
    expect(error.message).toContain(capability);
    expect(error.driver).toBe("spy");
    expect(refusing.calls).toEqual([]);

    // With the capability on, the same call reaches the driver.
    const accepting = spyDriver({ signing: true, capabilities: { ...base, [capability]: true } });
    await call(createStorage(accepting));
    expect(accepting.calls.length).toBe(1);
  });

  it("refuses signing when the capability is on but the driver has no method", async () => {
    const driver = spyDriver({ capabilities: { signPut: true, signGet: true } });
    expect((await rejection(createStorage(driver).signPut("k"))).code).toBe("Unsupported");
    expect((await rejection(createStorage(driver).signGet("k"))).code).toBe("Unsupported");
  });

  it("passes false flags without needing the capability", async () => {
    const driver = spyDriver({ signing: true, capabilities: { signPut: true } });
    const storage = createStorage(driver);
    await storage.put("k", "x", { ifNotExists: false });
    await storage.signPut("k", { oneTime: false, ifNotExists: false });
    expect(driver.calls.map((call) => call.method)).toEqual(["put", "signPut"]);
    expect(driver.calls[0]!.options).not.toHaveProperty("ifNotExists");
    expect(driver.calls[1]!.options).not.toHaveProperty("oneTime");
  });
});

describe("InvalidKey is raised before the driver is called", () => {
  const calls: Array<[string, Call]> = [
    ["put", (s) => s.put("a//b", "x")],
    ["get", (s) => s.get("a//b")],
    ["head", (s) => s.head("a//b")],
    ["delete", (s) => s.delete("a//b")],
    ["delete", (s) => s.delete(["fine", "../b"])],
    ["signPut", (s) => s.signPut("a//b")],
    ["signGet", (s) => s.signGet("a//b")],
  ];
  it.each(calls)("in %s", async (operation, call) => {
    const driver = spyDriver({ signing: true, capabilities: allCapabilities });
    const error = await rejection(call(createStorage(driver)));
    expect(error.code).toBe("InvalidKey");
    expect(error.operation).toBe(operation);
    expect(error.driver).toBe("spy");
    expect(driver.calls).toEqual([]);
  });
});

describe("what put hands the driver", () => {
  it("encodes strings as UTF-8, views ArrayBuffers, fills size, contentType and metadata", async () => {
    const driver = spyDriver();
    const storage = createStorage(driver);
    await storage.put("a", "héllo");
    await storage.put("b", new Uint8Array([1, 2, 3]).buffer);
    const [first, second] = driver.calls;
    expect(first!.body).toEqual(new TextEncoder().encode("héllo"));
    expect(first!.options).toMatchObject({ size: 6, contentType: "application/octet-stream", metadata: {} });
    expect(second!.body).toBeInstanceOf(Uint8Array);
    expect(second!.options).toMatchObject({ size: 3 });
  });

  it("checks a byte body's size and sha256 in core, without calling the driver", async () => {
    const driver = spyDriver({ capabilities: { sha256: true } });
    const storage = createStorage(driver);
    expect((await rejection(storage.put("k", "abc", { size: 4 }))).code).toBe("InvalidArgument");
    expect((await rejection(storage.put("k", "abc", { sha256: "0".repeat(64) }))).code).toBe("ChecksumMismatch");
    expect(driver.calls).toEqual([]);
    const sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    await storage.put("k", "abc", { sha256: sha.toUpperCase() });
    expect(driver.calls[0]!.options).toMatchObject({ sha256: sha });
  });

  it("refuses metadata values with leading or trailing spaces, saying why, and keeps inner spaces", async () => {
    const driver = spyDriver();
    const storage = createStorage(driver);
    for (const value of [" a", "a ", " ", "  a b  "]) {
      const error = await rejection(storage.put("k", "x", { metadata: { note: value } }));
      expect(error.code).toBe("InvalidArgument");
      expect(error.message).toContain('"note"');
      expect(error.message).toContain("S3 servers trim them");
    }
    expect(driver.calls).toEqual([]);
    await storage.put("k", "x", { metadata: { note: "a b", empty: "" } });
    expect(driver.calls[0]!.options).toMatchObject({ metadata: { note: "a b", empty: "" } });
  });

  it("refuses an already aborted signal without calling the driver", async () => {
    const driver = spyDriver();
    const controller = new AbortController();
    controller.abort();
    expect((await rejection(createStorage(driver).put("k", "x", { signal: controller.signal }))).code).toBe("Aborted");
    expect(driver.calls).toEqual([]);
  });
});

describe("errors are wrapped exactly once", () => {
  it("turns a plain Error from the driver into Unknown, keeping it as cause", async () => {
    const boom = new Error("boom");
    const storage = createStorage(spyDriver({ failWith: boom, name: "flaky" }));
    const error = await rejection(storage.put("dir/k", "x"));
    expect(error).toMatchObject({ code: "Unknown", operation: "put", key: "dir/k", driver: "flaky", retryable: false });
    expect(error.cause).toBe(boom);
    expect(error.message).toContain("boom");
  });

  it("wraps a synchronous throw and a non-Error value the same way", async () => {
    const sync = createStorage(spyDriver({ failWith: new TypeError("sync"), failMode: "sync" }));
    const syncError = await rejection(sync.head("k"));
    expect(syncError.code).toBe("Unknown");
    expect(syncError.cause).toBeInstanceOf(TypeError);
    const odd = createStorage(spyDriver({ failWith: "a string" }));
    const oddError = await rejection(odd.get("k"));
    expect(oddError).toMatchObject({ code: "Unknown", operation: "get", key: "k" });
    expect(oddError.cause).toBe("a string");
  });

  it("passes a StorageError from the driver through as the same object, filling operation, key and driver", async () => {
    const original = new StorageError("RateLimited", "slow down", { cause: "native" });
    const storage = createStorage(spyDriver({ failWith: original, name: "s3" }));
    const error = await rejection(storage.get("k"));
    expect(error).toBe(original);
    expect(error).toMatchObject({ code: "RateLimited", operation: "get", key: "k", driver: "s3", retryable: true });
    expect(error.cause).toBe("native");
  });

  it("keeps operation, key and driver a StorageError already has", async () => {
    const original = new StorageError("NotFound", "x", { operation: "copy", key: "inner-key", driver: "inner" });
    const error = await rejection(createStorage(spyDriver({ failWith: original })).head("outer-key"));
    expect(error).toBe(original);
    expect(error).toMatchObject({ operation: "copy", key: "inner-key", driver: "inner" });
  });

  it("does not wrap twice when a driver delegates to another Storage", async () => {
    const boom = new Error("native");
    const inner = createStorage(spyDriver({ failWith: boom, name: "inner" }));
    const delegating: StorageDriver = {
      ...spyDriver({ name: "outer" }),
      async head(key) {
        return inner.head(key);
      },
    };
    const error = await rejection(createStorage(delegating).head("k"));
    expect(error.code).toBe("Unknown");
    expect(error.driver).toBe("inner");
    expect(error.cause).toBe(boom);
  });

  it("turns an AbortError into Aborted", async () => {
    const abort = new DOMException("stopped", "AbortError");
    const error = await rejection(createStorage(spyDriver({ failWith: abort })).get("k"));
    expect(error.code).toBe("Aborted");
    expect(error.cause).toBe(abort);
  });

  it("puts no key on list errors or on errors of a multi-key delete", async () => {
    const storage = createStorage(spyDriver({ failWith: new Error("x") }));
    const listError = await rejection(storage.list({ prefix: "p/" }));
    expect(listError.operation).toBe("list");
    expect(listError.key).toBeUndefined();
    const deleteError = await rejection(storage.delete(["a", "b"]));
    expect(deleteError.operation).toBe("delete");
    expect(deleteError.key).toBeUndefined();
    expect((await rejection(storage.delete("a"))).key).toBe("a");
  });

  it("wraps an error from a get body stream once, as the get's error", async () => {
    const boom = new Error("connection reset");
    const driver: StorageDriver = {
      ...spyDriver({ capabilities: noCapabilities }),
      async get(key) {
        let sent = false;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent) controller.error(boom);
            else {
              sent = true;
              controller.enqueue(new Uint8Array([1]));
            }
          },
        });
        return { info: objectInfo(key), body };
      },
    };
    const object = await createStorage(driver).get("k");
    const error = await rejection(object!.bytes());
    expect(error).toMatchObject({ code: "Unknown", operation: "get", key: "k", driver: "spy" });
    expect(error.cause).toBe(boom);
  });
});
