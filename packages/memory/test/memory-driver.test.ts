import { describe, expect, it } from "vitest";
import { isStorageError, type StorageError } from "@stowage/core";
import { memoryDriver, type MemoryDriverOptions } from "@stowage/memory";

function thrown(run: () => unknown): StorageError {
  try {
    run();
  } catch (error) {
    expect(isStorageError(error), String(error)).toBe(true);
    return error as StorageError;
  }
  throw new Error("expected a throw");
}

async function rejected(promise: Promise<unknown>): Promise<StorageError> {
  try {
    await promise;
  } catch (error) {
    expect(isStorageError(error), String(error)).toBe(true);
    return error as StorageError;
  }
  throw new Error("expected a rejection");
}

const secrets = [{ id: "k1", secret: "memory-driver-test-secret-0123456789" }];
const baseUrl = "http://localhost:3000/__storage";

describe("memoryDriver options", () => {
  it.each<[string, unknown, RegExp]>([
    ["a misspelt signing", { signign: { secrets, baseUrl } }, /memoryDriver options has an unknown option "signign"; did you mean "signing"\?/],
    ["another library's option", { maxSize: 10 }, /unknown option "maxSize"; known options: signing/],
    ["signing.secret", { signing: { secret: secrets, baseUrl } }, /options\.signing .*unknown option "secret"; did you mean "secrets"\?/],
    ["signing.baseURL", { signing: { secrets, baseURL: baseUrl } }, /unknown option "baseURL"; did you mean "baseUrl"\?/],
    ["null options", null, /memoryDriver options must be a plain object \(got null\)/],
    ["a string", "memory://", /memoryDriver options must be a plain object/],
    ["signing: a string", { signing: "secret" }, /options\.signing .*must be a plain object/],
  ])("refuses %s with InvalidArgument naming it", (_name, options, message) => {
    const error = thrown(() => memoryDriver(options as MemoryDriverOptions));
    expect(error.code).toBe("InvalidArgument");
    expect(error.message).toMatch(message);
  });

  it("accepts no options, {}, HMAC signing options and a ready UrlSigner", () => {
    expect(memoryDriver().capabilities.signPut).toBe(false);
    expect(memoryDriver({}).capabilities.signPut).toBe(false);
    expect(memoryDriver({ signing: { secrets, baseUrl } }).capabilities.signPutOneTime).toBe(true);
    const signer = {
      capabilities: { signGet: true },
      signPut: () => Promise.reject(new Error("unused")),
      signGet: () => Promise.reject(new Error("unused")),
    };
    expect(memoryDriver({ signing: signer }).capabilities.signGet).toBe(true);
  });
});

describe("the memory driver honours an aborted signal", () => {
  it("on head, get, list and delete, and an aborted delete removes nothing", async () => {
    const driver = memoryDriver();
    await driver.put("a", new Uint8Array([1]), { contentType: "application/octet-stream", metadata: {} });
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    const signal = controller.signal;
    for (const error of [
      await rejected(driver.head("a", { signal })),
      await rejected(driver.get("a", { signal })),
      await rejected(driver.list({ prefix: "", limit: 10, signal })),
      await rejected(driver.delete(["a"], { signal })),
    ]) {
      expect(error.code).toBe("Aborted");
      expect((error.cause as Error).message).toBe("stop");
    }
    expect((await driver.head("a", {}))?.size).toBe(1);
    await driver.delete(["a"], { signal: new AbortController().signal });
    expect(await driver.head("a", {})).toBeNull();
  });
});
