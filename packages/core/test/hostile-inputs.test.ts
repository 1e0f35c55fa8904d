import { describe, expect, it } from "vitest";
import { memoryDriver } from "@stowage/memory";
import { createStorage, isStorageError, type Storage, type StorageErrorCode, type StorageOptions } from "@stowage/core";

// Every wrong-typed or malformed input a JavaScript caller (or a non-literal
// object) can hand the portable API must fail with a StorageError whose code
// is not Unknown, with a message that does not leak JavaScript internals.
// Each row runs on the memory driver, unsigned and with HMAC signing.

const secrets = [{ id: "hostile", secret: "hostile-inputs-secret-0123456789abcdef" }];
const baseUrl = "https://files.example.com/__storage";

/** Phrases of engine errors that must never reach a caller as the message. */
const internals =
  /Cannot read propert|Cannot convert|is not a function|is not iterable|is not defined|is not a constructor|URI malformed|Unexpected token|Unexpected end of JSON|in JSON at position|Do not know how to serialize|circular structure|Invalid time value|\[object |undefined is not|null is not|TypeError|SyntaxError|RangeError/;

const victim = "hostile/victim";
const lone = "a\ud800b";

type Operation = "put" | "get" | "head" | "list" | "delete" | "signPut" | "signGet" | "createStorage" | "read";
interface Row {
  /** The operation the row exercises (sign rows may be Unsupported without signing). */
  operation: Operation;
  name: string;
  /** The code expected (with signing configured, for sign rows). */
  code: StorageErrorCode;
  run(storage: Storage, signing: boolean): Promise<unknown> | unknown;
}

const rows: Row[] = [];
function row(operation: Operation, code: StorageErrorCode, name: string, run: Row["run"]): void {
  rows.push({ operation, code, name, run });
}

/** A value String() and template literals cannot turn into text. */
const noPrimitive = () => Object.create(null) as object;
/** A value JSON.stringify cannot serialize. */
const circular = () => {
  const value: Record<string, unknown> = {};
  value.self = value;
  return value;
};
const throwingToString = () => ({
  toString() {
    throw new Error("toString exploded");
  },
});

// ---- keys, on every keyed operation ----
const badKeys: [string, unknown][] = [
  ["a number", 42],
  ["null", null],
  ["undefined", undefined],
  ["an object", { key: "a" }],
  ["an object with no prototype", noPrimitive()],
  ["an object whose toString throws", throwingToString()],
  ["a Symbol", Symbol("k")],
  ["a bigint", 10n],
  ["an array", ["a"]],
  ["a String object", new String("a")],
  ["the empty string", ""],
  ["a lone surrogate", lone],
  ["a control character", "a\u0000b"],
  ["a leading slash", "/a"],
  ["a .. segment", "a/../b"],
  ["2000 bytes", "k".repeat(2000)],
];
for (const [label, key] of badKeys) {
  const k = key as string;
  row("put", "InvalidKey", `put with key ${label}`, (s) => s.put(k, "new"));
  row("get", "InvalidKey", `get with key ${label}`, (s) => s.get(k));
  row("head", "InvalidKey", `head with key ${label}`, (s) => s.head(k));
  // An array is delete's own many-keys form.
  if (!Array.isArray(key)) row("delete", "InvalidKey", `delete with key ${label}`, (s) => s.delete(k));
  row("delete", "InvalidKey", `delete with [victim, key ${label}]`, (s) => s.delete([victim, k]));
  row("signPut", "InvalidKey", `signPut with key ${label}`, (s) => s.signPut(k));
  row("signGet", "InvalidKey", `signGet with key ${label}`, (s) => s.signGet(k));
}
row("delete", "InvalidKey", "delete with an array holding a hole", (s) => s.delete([victim, , "b"] as string[]));
row("delete", "InvalidKey", "delete with a nested array", (s) => s.delete([[victim]] as unknown as string[]));
row("delete", "InvalidKey", "delete with a Set of keys", (s) => s.delete(new Set([victim]) as unknown as string[]));

// ---- bodies ----
function streamOfChunks(chunks: unknown[]): ReadableStream<Uint8Array> {
  let index = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index < chunks.length) controller.enqueue(chunks[index++] as Uint8Array);
      else controller.close();
    },
  });
}
function lockedStream(): ReadableStream<Uint8Array> {
  const stream = streamOfChunks([new Uint8Array([1])]);
  stream.getReader();
  return stream;
}
const badBodies: [string, () => unknown][] = [
  ["a number", () => 42],
  ["null", () => null],
  ["undefined", () => undefined],
  ["a boolean", () => true],
  ["a plain object", () => ({ data: "x" })],
  ["an object with no prototype", noPrimitive],
  ["an array of numbers", () => [1, 2, 3]],
  ["a Symbol", () => Symbol("body")],
  ["a DataView", () => new DataView(new ArrayBuffer(4))],
  ["an Int16Array", () => new Int16Array(2)],
  ["a locked stream", lockedStream],
  ["a stream of strings", () => streamOfChunks(["new"])],
  ["a stream of numbers", () => streamOfChunks([1, 2, 3])],
  ["a stream of null", () => streamOfChunks([null])],
  ["a stream of ArrayBuffers", () => streamOfChunks([new ArrayBuffer(3)])],
  ["a stream of bytes, then a string", () => streamOfChunks([new Uint8Array([1, 2]), "x"])],
  // Async iterables are bodies now; one that yields strings (a Node Readable after setEncoding) is not.
  ["an async iterable of strings", () => ({ async *[Symbol.asyncIterator]() { yield new Uint8Array([1]); yield "x"; } })],
  ["a sync iterable of bytes", () => [new Uint8Array([1])]],
];
for (const [label, body] of badBodies) {
  row("put", "InvalidArgument", `put with body ${label}`, (s) => s.put(victim, body() as string));
}
row("put", "Aborted", "put with a stream that errors with a string", (s) =>
  s.put(
    victim,
    new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error("broken");
      },
    }),
  ),
);

// ---- put options ----
const badPutOptions: [string, unknown][] = [
  ["null", null],
  ["an array", []],
  ["a string", "text/plain"],
  ["a number", 5],
  ["true", true],
  ["a function", () => ({})],
  ["an AbortSignal (instead of { signal })", new AbortController().signal],
  ["a Map", new Map([["ifNotExists", true]])],
  ["ifNotExists: \"yes\"", { ifNotExists: "yes" }],
  ["ifNotExists: 1", { ifNotExists: 1 }],
  ["size: -1", { size: -1 }],
  ["size: 1.5", { size: 1.5 }],
  ["size: NaN", { size: NaN }],
  ["size: Infinity", { size: Infinity }],
  ["size: \"3\"", { size: "3" }],
  ["size: 3n", { size: 3n }],
  ["size: an object with no prototype", { size: noPrimitive() }],
  ["size: an object whose toString throws", { size: throwingToString() }],
  ["size: 2 ** 60", { size: 2 ** 60 }],
  ["metadata: null", { metadata: null }],
  ["metadata: an array", { metadata: ["a"] }],
  ["metadata: a string", { metadata: "a=b" }],
  ["metadata: a Map", { metadata: new Map([["a", "b"]]) }],
  ["metadata value a number", { metadata: { a: 1 } }],
  ["metadata value null", { metadata: { a: null } }],
  ["metadata key uppercase", { metadata: { A: "b" } }],
  ["metadata value with a newline", { metadata: { a: "b\nc" } }],
  ["metadata value with a leading space", { metadata: { a: " b" } }],
  ["metadata value with a trailing space", { metadata: { a: "b " } }],
  ["contentType: 5", { contentType: 5 }],
  ["contentType: null", { contentType: null }],
  ["contentType: 5n", { contentType: 5n }],
  ["contentType: a circular object", { contentType: circular() }],
  ["contentType: an object with no prototype", { contentType: noPrimitive() }],
  ["contentType with CRLF", { contentType: "text/plain\r\nx-evil: 1" }],
  ["cacheControl: {}", { cacheControl: {} }],
  ["contentDisposition: a circular object", { contentDisposition: circular() }],
  ["contentEncoding: 7n", { contentEncoding: 7n }],
  ["sha256: 5", { sha256: 5 }],
  ["sha256: 63 hex digits", { sha256: "a".repeat(63) }],
  ["sha256: \"sha256:…\"", { sha256: `sha256:${"a".repeat(64)}` }],
  ["ifMatch: 5", { ifMatch: 5 }],
  ["ifMatch: \"\"", { ifMatch: "" }],
  ["ifMatch: a circular object", { ifMatch: circular() }],
  ["ifNotExists with ifMatch", { ifNotExists: true, ifMatch: "x" }],
  ["signal: {}", { signal: {} }],
  ["signal: \"x\"", { signal: "x" }],
  ["signal: a fake with aborted only", { signal: { aborted: false } }],
  ["signal: an AbortController", { signal: new AbortController() }],
  ["an unknown key", { contentTyp: "text/plain" }],
  ["a symbol-keyed field only", { [Symbol("x")]: 1, size: -1 }],
];
for (const [label, options] of badPutOptions) {
  row("put", "InvalidArgument", `put with options ${label}`, (s) => s.put(victim, "new", options as object));
}

// ---- get options and ranges ----
const badGetOptions: [string, unknown][] = [
  ["null", null],
  ["an array", []],
  ["a string", "bytes=0-1"],
  ["a number", 1],
  ["an AbortSignal (instead of { signal })", new AbortController().signal],
  ["ifMatch: 5", { ifMatch: 5 }],
  ["ifNoneMatch: null", { ifNoneMatch: null }],
  ["ifNoneMatch: \"*\" with an object", { ifNoneMatch: {} }],
  ["signal: {}", { signal: {} }],
  ["signal: \"x\"", { signal: "x" }],
  ["signal: a fake with aborted only", { signal: { aborted: false } }],
  ["an unknown key", { rnge: { offset: 0 } }],
];
const badRanges: [string, unknown][] = [
  ["null", null],
  ["a string", "bytes=0-10"],
  ["a number", 5],
  ["an array", [0, 10]],
  ["{}", {}],
  ["offset -1", { offset: -1 }],
  ["offset \"1\"", { offset: "1" }],
  ["offset 1.5", { offset: 1.5 }],
  ["offset NaN", { offset: NaN }],
  ["offset Infinity", { offset: Infinity }],
  ["offset an object with no prototype", { offset: noPrimitive() }],
  ["length 0", { offset: 0, length: 0 }],
  ["length -1", { offset: 0, length: -1 }],
  ["length null", { offset: 0, length: null }],
  ["suffix 0", { suffix: 0 }],
  ["suffix -5", { suffix: -5 }],
  ["suffix with offset", { suffix: 1, offset: 0 }],
  ["start/end (another library's spelling)", { start: 0, end: 1 }],
];
for (const [label, options] of badGetOptions) {
  row("get", "InvalidArgument", `get with options ${label}`, (s) => s.get(victim, options as object));
}
for (const [label, range] of badRanges) {
  row("get", "InvalidArgument", `get with range ${label}`, (s) => s.get(victim, { range: range as { offset: number } }));
}

// ---- head and delete options ----
const badSignalOnlyOptions: [string, unknown][] = [
  ["null", null],
  ["an array", []],
  ["a string", "x"],
  ["a number", 0],
  ["an AbortSignal (instead of { signal })", new AbortController().signal],
  ["signal: {}", { signal: {} }],
  ["signal: \"x\"", { signal: "x" }],
  ["signal: a fake with aborted only", { signal: { aborted: false } }],
  ["signal: null", { signal: null }],
  ["an unknown key", { signl: new AbortController().signal }],
];
for (const [label, options] of badSignalOnlyOptions) {
  row("head", "InvalidArgument", `head with options ${label}`, (s) => s.head(victim, options as object));
  row("delete", "InvalidArgument", `delete with options ${label}`, (s) => s.delete(victim, options as object));
}

// ---- list arguments ----
const badListOptions: [string, unknown][] = [
  ["null", null],
  ["an array", []],
  ["a string (a prefix instead of { prefix })", "hostile/"],
  ["a number", 10],
  ["limit 0", { limit: 0 }],
  ["limit 1001", { limit: 1001 }],
  ["limit \"10\"", { limit: "10" }],
  ["limit NaN", { limit: NaN }],
  ["limit 1.5", { limit: 1.5 }],
  ["limit -1", { limit: -1 }],
  ["limit Infinity", { limit: Infinity }],
  ["limit an object with no prototype", { limit: noPrimitive() }],
  ["limit an object whose toString throws", { limit: throwingToString() }],
  ["limit null", { limit: null }],
  ["cursor {}", { cursor: {} }],
  ["cursor \"\"", { cursor: "" }],
  ["cursor 5", { cursor: 5 }],
  ["cursor not made by the driver", { cursor: "forged" }],
  ["prefix with a NUL", { prefix: "a\u0000" }],
  ["prefix with a newline", { prefix: "a\nb" }],
  ["prefix with a lone surrogate", { prefix: lone }],
  ["prefix 5", { prefix: 5 }],
  ["prefix null", { prefix: null }],
  ["prefix of 2000 bytes", { prefix: "p".repeat(2000) }],
  ["delimiter \"\"", { delimiter: "" }],
  ["delimiter 5", { delimiter: 5 }],
  ["delimiter with a tab", { delimiter: "\t" }],
  ["signal: {}", { signal: {} }],
  ["signal: \"x\"", { signal: "x" }],
  ["signal: a fake with aborted only", { signal: { aborted: false } }],
  ["an unknown key", { maxKeys: 10 }],
];
for (const [label, options] of badListOptions) {
  row("list", "InvalidArgument", `list with options ${label}`, (s) => s.list(options as object));
  row("list", "InvalidArgument", `listAll with options ${label}`, async (s) => {
    for await (const _ of s.listAll(options as object)) {
      // drain
    }
  });
}

// ---- signPut and signGet options ----
const badExpiresIn: [string, unknown][] = [
  ["NaN", NaN],
  ["0", 0],
  ["-1", -1],
  ["1.5", 1.5],
  ["1e9", 1e9],
  ["Infinity", Infinity],
  ["\"60\"", "60"],
  ["null", null],
  ["60n", 60n],
];
const badSignOptions: [string, unknown][] = [
  ["null", null],
  ["an array", []],
  ["a string", "60"],
  ["a number", 60],
  ["an unknown key", { expires: 60 }],
];
for (const [label, expiresIn] of badExpiresIn) {
  row("signPut", "InvalidArgument", `signPut with expiresIn ${label}`, (s) => s.signPut(victim, { expiresIn: expiresIn as number }));
  row("signGet", "InvalidArgument", `signGet with expiresIn ${label}`, (s) => s.signGet(victim, { expiresIn: expiresIn as number }));
}
for (const [label, options] of badSignOptions) {
  row("signPut", "InvalidArgument", `signPut with options ${label}`, (s) => s.signPut(victim, options as object));
  row("signGet", "InvalidArgument", `signGet with options ${label}`, (s) => s.signGet(victim, options as object));
}
const badSignPutFields: [string, unknown][] = [
  ["contentType 5", { contentType: 5 }],
  ["contentType 5n", { contentType: 5n }],
  ["contentType a circular object", { contentType: circular() }],
  ["contentType with CRLF", { contentType: "text/html\r\nx: y" }],
  ["size -1", { size: -1 }],
  ["size NaN", { size: NaN }],
  ["size \"10\"", { size: "10" }],
  ["maxSize 1.5", { maxSize: 1.5 }],
  ["maxSize an object with no prototype", { maxSize: noPrimitive() }],
  ["size over maxSize", { size: 10, maxSize: 5 }],
  ["oneTime \"yes\"", { oneTime: "yes" }],
  ["ifNotExists 1", { ifNotExists: 1 }],
];
for (const [label, options] of badSignPutFields) {
  row("signPut", "InvalidArgument", `signPut with ${label}`, (s) => s.signPut(victim, options as object));
}
const badSignGetFields: [string, unknown][] = [
  ["downloadFilename with a lone surrogate", { downloadFilename: lone }],
  ["downloadFilename with a lone low surrogate", { downloadFilename: "\udc00.txt" }],
  ["downloadFilename \"\"", { downloadFilename: "" }],
  ["downloadFilename 5", { downloadFilename: 5 }],
  ["downloadFilename with a newline", { downloadFilename: "a\nb.txt" }],
  ["downloadFilename of 2000 characters", { downloadFilename: "f".repeat(2000) }],
  ["responseContentType 5n", { responseContentType: 5n }],
  ["responseContentType a circular object", { responseContentType: circular() }],
  ["responseContentType \"not a type\"", { responseContentType: "not a type" }],
];
for (const [label, options] of badSignGetFields) {
  row("signGet", "InvalidArgument", `signGet with ${label}`, (s) => s.signGet(victim, options as object));
}

// ---- createStorage options and clocks ----
const badStorageOptions: [string, unknown][] = [
  ["null", null],
  ["an array", []],
  ["a string", "memory://"],
  ["clock NaN", { clock: NaN }],
  ["clock Infinity", { clock: Infinity }],
  ["clock \"now\"", { clock: "now" }],
  ["clock -1", { clock: -1 }],
  ["clock a Date", { clock: new Date() }],
  ["defaultExpiresIn NaN", { defaultExpiresIn: NaN }],
  ["defaultExpiresIn 0", { defaultExpiresIn: 0 }],
  ["defaultExpiresIn 1e9", { defaultExpiresIn: 1e9 }],
  ["an unknown key", { now: () => 0 }],
];
for (const [label, options] of badStorageOptions) {
  row("createStorage", "InvalidArgument", `createStorage with options ${label}`, (s) => createStorage(s.driver, options as StorageOptions));
}
const badClocks: [string, () => unknown][] = [
  ["NaN", () => NaN],
  ["Infinity", () => Infinity],
  ["-Infinity", () => -Infinity],
  ["-1", () => -1],
  ["a string", () => "now"],
  ["a Date", () => new Date()],
  ["undefined", () => undefined],
  ["a bigint", () => 1n],
  ["9e15 (past the last Date)", () => 9e15],
];
for (const [label, clock] of badClocks) {
  const storageOf = (s: Storage) => createStorage(s.driver, { clock: clock as () => number });
  row("signPut", "InvalidArgument", `signPut with a clock returning ${label}`, (s) => storageOf(s).signPut(victim));
  row("signGet", "InvalidArgument", `signGet with a clock returning ${label}`, (s) => storageOf(s).signGet(victim));
}

// ---- reading what was stored ----
row("read", "InvalidArgument", "json() on a body that is not JSON", async (s) => {
  await s.put("hostile/not-json", "{ not json");
  return (await s.get("hostile/not-json"))!.json();
});
row("read", "InvalidArgument", "json() on an empty body", async (s) => {
  await s.put("hostile/empty", "");
  return (await s.get("hostile/empty"))!.json();
});
row("read", "InvalidArgument", "reading a body twice", async (s) => {
  const object = (await s.get(victim))!;
  await object.text();
  return object.bytes();
});

async function outcome(run: () => Promise<unknown> | unknown): Promise<{ error?: unknown; value?: unknown }> {
  try {
    return { value: await run() };
  } catch (error) {
    return { error };
  }
}

const fixtures: [string, boolean, () => Storage][] = [
  ["memory", false, () => createStorage(memoryDriver())],
  ["memory with signing", true, () => createStorage(memoryDriver({ signing: { secrets, baseUrl } }))],
];

describe.each(fixtures)("hostile inputs on %s", (_name, signing, make) => {
  it.each(rows.map((each) => [each.name, each] as const))("%s gives a typed error", async (_label, each) => {
    const storage = make();
    await storage.put(victim, "old", { contentType: "text/plain", metadata: { v: "1" } });
    const result = await outcome(() => each.run(storage, signing));
    expect(result.error, `resolved with ${String(result.value)}`).toBeDefined();
    const error = result.error;
    expect(isStorageError(error), `not a StorageError: ${String(error)}`).toBe(true);
    if (!isStorageError(error)) return;
    const unsupportedFirst = !signing && (each.operation === "signPut" || each.operation === "signGet");
    const expected: StorageErrorCode[] = unsupportedFirst ? [each.code, "Unsupported"] : [each.code];
    expect(expected, `${error.code}: ${error.message}`).toContain(error.code);
    expect(error.code).not.toBe("Unknown");
    expect(error.message).not.toMatch(internals);
    expect(error.message.length).toBeLessThan(600);
    // Nothing was written or deleted.
    const object = await storage.get(victim);
    expect(await object?.text(), "the victim key keeps its value").toBe("old");
    expect(object?.metadata).toEqual({ v: "1" });
  });
});

describe("the table itself", () => {
  it("covers every operation", () => {
    const operations = new Set(rows.map((each) => each.operation));
    expect([...operations].sort()).toEqual(
      ["createStorage", "delete", "get", "head", "list", "put", "read", "signGet", "signPut"].sort(),
    );
    expect(new Set(rows.map((each) => each.name)).size, "row names are unique").toBe(rows.length);
  });
});
