import { describe, expect, it } from "vitest";
import { assertKnownOptions, createStorage, isStorageError, nearestOption, type Storage, type StorageError } from "@stowage/core";
import { allCapabilities, spyDriver } from "./spy-driver.js";

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectRefused(error: unknown, key: string, suggestion: string | undefined): void {
  expect(isStorageError(error, "InvalidArgument"), `expected InvalidArgument, got ${String(error)}`).toBe(true);
  const message = (error as StorageError).message;
  expect(message).toContain(`unknown option "${key}"`);
  if (suggestion === undefined) expect(message).not.toContain("did you mean");
  else expect(message).toContain(`did you mean "${suggestion}"?`);
}

// [operation, options, the misspelt key, the option the message must suggest]
type Row = [string, Record<string, unknown>, string, string | undefined];

const sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const misspellings: Row[] = [
  // The issue's own list.
  ["signPut", { maxsize: 10 }, "maxsize", "maxSize"],
  ["signPut", { once: true }, "once", "oneTime"],
  ["put", { ifnotexists: true }, "ifnotexists", "ifNotExists"],
  ["put", { ifNoneMatch: "*" }, "ifNoneMatch", "ifNotExists"],
  ["put", { checksum: `sha256:${sha}` }, "checksum", "sha256"],
  // One for every option of every operation.
  ["put", { contenttype: "text/plain" }, "contenttype", "contentType"],
  ["put", { cache_control: "no-store" }, "cache_control", "cacheControl"],
  ["put", { contentDispositon: "inline" }, "contentDispositon", "contentDisposition"],
  ["put", { contentEncodng: "gzip" }, "contentEncodng", "contentEncoding"],
  ["put", { meta: { a: "b" } }, "meta", undefined],
  ["put", { metaData: { a: "b" } }, "metaData", "metadata"],
  ["put", { ifMach: "e" }, "ifMach", "ifMatch"],
  ["put", { length: 3 }, "length", "size"],
  ["put", { sha256sum: sha }, "sha256sum", "sha256"],
  ["put", { signall: new AbortController().signal }, "signall", "signal"],
  ["get", { Range: { offset: 0 } }, "Range", "range"],
  ["get", { if_match: "e" }, "if_match", "ifMatch"],
  ["get", { ifNonMatch: "e" }, "ifNonMatch", "ifNoneMatch"],
  ["get", { abortSignal: new AbortController().signal }, "abortSignal", "signal"],
  ["range", { ofset: 0 }, "ofset", "offset"],
  ["range", { offset: 0, lenght: 1 }, "lenght", "length"],
  ["range", { suffx: 1 }, "suffx", "suffix"],
  ["head", { signals: new AbortController().signal }, "signals", "signal"],
  ["list", { prefixes: "a/" }, "prefixes", "prefix"],
  ["list", { delimter: "/" }, "delimter", "delimiter"],
  ["list", { cusor: "x" }, "cusor", "cursor"],
  ["list", { limits: 5 }, "limits", "limit"],
  ["list", { maxKeys: 5 }, "maxKeys", undefined],
  ["list", { sigal: new AbortController().signal }, "sigal", "signal"],
  ["delete", { sginal: new AbortController().signal }, "sginal", "signal"],
  ["delete", { recursive: true }, "recursive", undefined],
  ["signPut", { expiresin: 60 }, "expiresin", "expiresIn"],
  ["signPut", { ttl: 60 }, "ttl", "expiresIn"],
  ["signPut", { mimeType: "image/png" }, "mimeType", "contentType"],
  ["signPut", { contentLength: 10 }, "contentLength", "size"],
  ["signPut", { maxBytes: 10 }, "maxBytes", "maxSize"],
  ["signPut", { singleUse: true }, "singleUse", "oneTime"],
  ["signPut", { createOnly: true }, "createOnly", "ifNotExists"],
  ["signGet", { expires: 60 }, "expires", "expiresIn"],
  ["signGet", { filename: "a.txt" }, "filename", "downloadFilename"],
  ["signGet", { downloadFileName: "a.txt" }, "downloadFileName", "downloadFilename"],
  ["signGet", { responseContentTyp: "text/plain" }, "responseContentTyp", "responseContentType"],
  ["signGet", { inlne: true }, "inlne", "inline"],
  ["createStorage", { clck: () => 0 }, "clck", "clock"],
  ["createStorage", { defaultExpiry: 60 }, "defaultExpiry", "defaultExpiresIn"],
];

function run(storage: Storage, operation: string, options: Record<string, unknown>): Promise<unknown> {
  switch (operation) {
    case "put":
      return storage.put("k", "new", options);
    case "get":
      return storage.get("k", options);
    case "range":
      return storage.get("k", { range: options as { offset: number } });
    case "head":
      return storage.head("k", options);
    case "list":
      return storage.list(options);
    case "delete":
      return storage.delete("k", options);
    case "signPut":
      return storage.signPut("k", options);
    case "signGet":
      return storage.signGet("k", options);
    case "createStorage":
      return Promise.resolve().then(() => createStorage(storage.driver, options));
    default:
      throw new Error(`no operation ${operation}`);
  }
}

describe("misspelt options are refused on every operation", () => {
  it.each(misspellings)("%s %j is InvalidArgument naming the key", async (operation, options, key, suggestion) => {
    const driver = spyDriver({ capabilities: allCapabilities, signing: true });
    const storage = createStorage(driver);
    expectRefused(await rejection(run(storage, operation, options)), key, suggestion);
    expect(driver.calls, "the driver was not called (nothing written, no URL minted)").toEqual([]);
  });

  it("refuses a misspelling before checking capabilities, so the message is about the spelling", async () => {
    const driver = spyDriver();
    const storage = createStorage(driver);
    expectRefused(await rejection(storage.signPut("k", { maxsize: 10 } as object)), "maxsize", "maxSize");
    expectRefused(await rejection(storage.put("k", "x", { checksum: sha } as object)), "checksum", "sha256");
    expect(driver.calls).toEqual([]);
  });

  it("names the first unknown key when there are several, next to valid ones", async () => {
    const storage = createStorage(spyDriver({ capabilities: allCapabilities }));
    expectRefused(await rejection(storage.put("k", "x", { contentType: "text/plain", ifnotexists: true, checksum: sha } as object)), "ifnotexists", "ifNotExists");
  });

  it("the correctly spelt options still work", async () => {
    const driver = spyDriver({ capabilities: allCapabilities, signing: true });
    const storage = createStorage(driver);
    await storage.put("k", "abc", { ifNotExists: true, sha256: sha, contentType: "text/plain" });
    await storage.signPut("k", { maxSize: 10, oneTime: true });
    expect(driver.calls.map((call) => call.method)).toEqual(["put", "signPut"]);
    expect(driver.calls[1]!.options).toMatchObject({ maxSize: 10, oneTime: true });
  });
});

describe("assertKnownOptions", () => {
  it.each<[string, unknown]>([
    ["null", null],
    ["an array", []],
    ["a string", "x"],
    ["a number", 1],
    ["a function", () => ({})],
    ["an AbortSignal", new AbortController().signal],
    ["a Map", new Map()],
    ["a class instance", new (class Options {})()],
  ])("refuses %s as options", (_name, value) => {
    const error = caught(() => assertKnownOptions(value, ["a"], "thing options"));
    expect(isStorageError(error, "InvalidArgument")).toBe(true);
    expect((error as Error).message).toMatch(/^thing options must be a plain object \(got /);
  });

  it("accepts undefined, a literal and a null-prototype object", () => {
    expect(() => assertKnownOptions(undefined, ["a"], "x")).not.toThrow();
    expect(() => assertKnownOptions({ a: 1 }, ["a"], "x")).not.toThrow();
    const bare = Object.create(null) as Record<string, unknown>;
    bare.a = 1;
    expect(() => assertKnownOptions(bare, ["a"], "x")).not.toThrow();
  });

  it("lists the known options when nothing is close", () => {
    const error = caught(() => assertKnownOptions({ zzzzzz: 1 }, ["alpha", "beta"], "x options"));
    expect((error as Error).message).toBe('x options has an unknown option "zzzzzz"; known options: alpha, beta');
  });
});

describe("nearestOption", () => {
  it.each<[string, string[], string | undefined]>([
    ["maxsize", ["maxSize", "size"], "maxSize"],
    ["once", ["oneTime", "ifNotExists"], "oneTime"],
    ["checksum", ["sha256", "size"], "sha256"],
    ["ifNoneMatch", ["ifNotExists", "ifMatch"], "ifNotExists"],
    ["content-type", ["contentType"], "contentType"],
    ["prefx", ["prefix", "limit"], "prefix"],
    ["xyz", ["prefix", "limit"], undefined],
    // An alias only counts when its target is an option of this call.
    ["once", ["expiresIn", "downloadFilename"], undefined],
  ])("%s among %j is %s", (name, known, expected) => {
    expect(nearestOption(name, known)).toBe(expected);
  });
});
