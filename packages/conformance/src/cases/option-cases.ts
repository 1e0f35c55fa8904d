import { createStorage, type SignedRequest, type Storage, type StorageError } from "@stowage/core";
import type { CaseContext } from "../conformance-case.js";
import { defineCase } from "../conformance-case.js";
import { assertDeepEqual, assertEqual, assertRejectsWith, assertTrue, fail } from "../assert.js";
import { assertStored, utf8 } from "../case-tools.js";
import { wrapDriver } from "../wrap-driver.js";

// "Enforced or refused, never dropped" holds for misspelt options too: a
// JavaScript caller (or any non-literal object) can pass a key the API does
// not know, and `Storage` must refuse it with InvalidArgument naming the key
// and the option the caller most likely meant, before the driver runs.

/** A misspelling, and the option the message must suggest (undefined: none is close). */
type Misspelling = [options: Record<string, unknown>, key: string, suggestion: string | undefined];

function checkMessage(error: StorageError, key: string, suggestion: string | undefined, message: string): void {
  assertTrue(error.message.includes(`"${key}"`), `${message}: the message names the key "${key}" (got: ${error.message})`);
  if (suggestion !== undefined) {
    assertTrue(error.message.includes(`"${suggestion}"`), `${message}: the message suggests "${suggestion}" (got: ${error.message})`);
  }
}

async function assertRefused(promise: Promise<unknown>, key: string, suggestion: string | undefined, message: string): Promise<void> {
  checkMessage(await assertRejectsWith(promise, "InvalidArgument", message), key, suggestion, message);
}

/** A Storage over the fixture's driver that records every driver call. */
function recorded(context: CaseContext, extra: Parameters<typeof wrapDriver>[1] = {}): { storage: Storage; calls: string[] } {
  const calls: string[] = [];
  const storage = createStorage(wrapDriver(context.fixture.driver, { ...extra, onCall: (method) => calls.push(method) }));
  return { storage, calls };
}

const signCapabilities = {
  signPut: true,
  signGet: true,
  signPutContentType: true,
  signPutSize: true,
  signPutMaxSize: true,
  signPutOneTime: true,
  signPutIfNotExists: true,
};

/**
 * A Storage whose driver claims every signing capability and mints recorded
 * fake URLs, so the case runs on every driver and sees whether a URL was
 * minted at all.
 */
function signingRecorder(context: CaseContext): { storage: Storage; minted: string[] } {
  const minted: string[] = [];
  const mint = async (method: "GET" | "PUT", key: string): Promise<SignedRequest> => {
    minted.push(`${method} ${key}`);
    return { url: `https://signed.invalid/${encodeURIComponent(key)}`, method, headers: {}, expiresAt: new Date(0) };
  };
  const storage = createStorage(
    wrapDriver(context.fixture.driver, {
      capabilities: signCapabilities,
      methods: { signPut: (key) => mint("PUT", key), signGet: (key) => mint("GET", key) },
    }),
  );
  return { storage, minted };
}

const sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const old = utf8("old value");

const putMisspellings: Misspelling[] = [
  [{ ifnotexists: true }, "ifnotexists", "ifNotExists"],
  [{ ifNoneMatch: "*" }, "ifNoneMatch", "ifNotExists"],
  [{ createOnly: true }, "createOnly", "ifNotExists"],
  [{ checksum: `sha256:${sha}` }, "checksum", "sha256"],
  [{ sha_256: sha }, "sha_256", "sha256"],
  [{ contentTyp: "text/plain" }, "contentTyp", "contentType"],
  [{ "content-type": "text/plain" }, "content-type", "contentType"],
  [{ cachecontrol: "no-store" }, "cachecontrol", "cacheControl"],
  [{ contentDispositon: "inline" }, "contentDispositon", "contentDisposition"],
  [{ contentEncodng: "gzip" }, "contentEncodng", "contentEncoding"],
  [{ metaData: { a: "b" } }, "metaData", "metadata"],
  [{ ifmatch: "etag" }, "ifmatch", "ifMatch"],
  [{ contentLength: 3 }, "contentLength", "size"],
  [{ signl: new AbortController().signal }, "signl", "signal"],
];

const getMisspellings: Misspelling[] = [
  [{ rnage: { offset: 0 } }, "rnage", "range"],
  [{ ifmatch: "etag" }, "ifmatch", "ifMatch"],
  [{ ifNoneMatches: "etag" }, "ifNoneMatches", "ifNoneMatch"],
  [{ signl: new AbortController().signal }, "signl", "signal"],
];
const rangeMisspellings: Misspelling[] = [
  [{ offest: 0 }, "offest", "offset"],
  [{ offset: 0, lenght: 1 }, "lenght", "length"],
  [{ sufix: 1 }, "sufix", "suffix"],
];
const signalOnlyMisspellings: Misspelling[] = [
  [{ signl: new AbortController().signal }, "signl", "signal"],
  [{ abortSignal: new AbortController().signal }, "abortSignal", "signal"],
];
const listMisspellings: Misspelling[] = [
  [{ prefx: "" }, "prefx", "prefix"],
  [{ delimeter: "/" }, "delimeter", "delimiter"],
  [{ cursr: "c" }, "cursr", "cursor"],
  [{ limt: 1 }, "limt", "limit"],
  [{ signl: new AbortController().signal }, "signl", "signal"],
];
const signPutMisspellings: Misspelling[] = [
  [{ maxsize: 10 }, "maxsize", "maxSize"],
  [{ maxBytes: 10 }, "maxBytes", "maxSize"],
  [{ once: true }, "once", "oneTime"],
  [{ onetime: true }, "onetime", "oneTime"],
  [{ ifnotexists: true }, "ifnotexists", "ifNotExists"],
  [{ expires: 60 }, "expires", "expiresIn"],
  [{ contenttype: "image/png" }, "contenttype", "contentType"],
  [{ sise: 10 }, "sise", "size"],
];
const signGetMisspellings: Misspelling[] = [
  [{ downloadFileName: "a.txt" }, "downloadFileName", "downloadFilename"],
  [{ filename: "a.txt" }, "filename", "downloadFilename"],
  [{ responseContentTyp: "text/plain" }, "responseContentTyp", "responseContentType"],
  [{ expiresin: 60 }, "expiresin", "expiresIn"],
  [{ ttl: 60 }, "ttl", "expiresIn"],
];
const storageMisspellings: Misspelling[] = [
  [{ clok: () => Date.now() }, "clok", "clock"],
  [{ defaultExpiresin: 60 }, "defaultExpiresin", "defaultExpiresIn"],
  [{ defaultExpires: 60 }, "defaultExpires", "defaultExpiresIn"],
];

/** Options objects that are not options: each must be InvalidArgument, never read as "no options". */
function notOptions(): [string, unknown][] {
  return [
    ["null", null],
    ["an array", []],
    ["a string", "text/plain"],
    ["a number", 10],
    ["an AbortSignal instead of { signal }", new AbortController().signal],
  ];
}

export const optionCases = [
  defineCase({
    name: "options: misspelt put options are refused, naming the key and the right one, and nothing is written",
    requires: [],
    async run(context) {
      const { storage, calls } = recorded(context);
      await context.storage.put(context.key("a"), old, { contentType: "text/plain", metadata: { v: "1" } });
      for (const [options, key, suggestion] of putMisspellings) {
        await assertRefused(storage.put(context.key("a"), "new", options), key, suggestion, `put ${JSON.stringify(key)}`);
        await assertRefused(storage.put(context.key("b"), "new", options), key, suggestion, `put ${JSON.stringify(key)} on a new key`);
      }
      assertDeepEqual(calls, [], "the driver was never called");
      await assertStored(context.storage, context.key("a"), old, "the previous value stays");
      assertDeepEqual((await context.storage.head(context.key("a")))?.metadata, { v: "1" }, "the previous metadata stays");
      assertEqual(await context.storage.head(context.key("b")), null, "no new key was created");
    },
  }),
  defineCase({
    name: "options: misspelt get, head, list and delete options are refused, naming the key and the right one",
    requires: [],
    async run(context) {
      const { storage, calls } = recorded(context);
      await context.storage.put(context.key("a"), old);
      for (const [options, key, suggestion] of getMisspellings) {
        await assertRefused(storage.get(context.key("a"), options), key, suggestion, `get ${JSON.stringify(key)}`);
      }
      for (const [range, key, suggestion] of rangeMisspellings) {
        await assertRefused(storage.get(context.key("a"), { range: range as { offset: number } }), key, suggestion, `range ${JSON.stringify(key)}`);
      }
      for (const [options, key, suggestion] of signalOnlyMisspellings) {
        await assertRefused(storage.head(context.key("a"), options), key, suggestion, `head ${JSON.stringify(key)}`);
        await assertRefused(storage.delete(context.key("a"), options), key, suggestion, `delete ${JSON.stringify(key)}`);
        await assertRefused(storage.delete([context.key("a")], options), key, suggestion, `delete [key] ${JSON.stringify(key)}`);
      }
      for (const [options, key, suggestion] of listMisspellings) {
        await assertRefused(storage.list({ ...options, prefix: context.prefix }), key, suggestion, `list ${JSON.stringify(key)}`);
      }
      assertDeepEqual(calls, [], "the driver was never called");
      await assertStored(context.storage, context.key("a"), old, "nothing was deleted");
    },
  }),
  defineCase({
    name: "options: misspelt signPut and signGet options are refused and no URL is minted",
    requires: [],
    async run(context) {
      const { storage, minted } = signingRecorder(context);
      for (const [options, key, suggestion] of signPutMisspellings) {
        await assertRefused(storage.signPut(context.key("a"), options), key, suggestion, `signPut ${JSON.stringify(key)}`);
        // Without signing capabilities the misspelling is still what is reported.
        await assertRefused(context.storage.signPut(context.key("a"), options), key, suggestion, `signPut ${JSON.stringify(key)} (fixture)`);
      }
      for (const [options, key, suggestion] of signGetMisspellings) {
        await assertRefused(storage.signGet(context.key("a"), options), key, suggestion, `signGet ${JSON.stringify(key)}`);
        await assertRefused(context.storage.signGet(context.key("a"), options), key, suggestion, `signGet ${JSON.stringify(key)} (fixture)`);
      }
      assertDeepEqual(minted, [], "no URL was minted");
      await storage.signPut(context.key("a"), { maxSize: 10, oneTime: true });
      assertDeepEqual(minted, [`PUT ${context.key("a")}`], "the correctly spelt options mint a URL");
    },
  }),
  defineCase({
    name: "options: misspelt createStorage options are refused, naming the key and the right one",
    requires: [],
    async run(context) {
      for (const [options, key, suggestion] of storageMisspellings) {
        let thrown: unknown;
        try {
          context.createStorage(options);
        } catch (error) {
          thrown = error;
        }
        if (thrown === undefined) fail(`createStorage ${JSON.stringify(key)}: expected InvalidArgument, but it returned a Storage`);
        await assertRefused(Promise.reject(thrown), key, suggestion, `createStorage ${JSON.stringify(key)}`);
      }
    },
  }),
  defineCase({
    name: "options: null, an array, a string or an AbortSignal in place of options gives InvalidArgument on every operation",
    requires: [],
    async run(context) {
      // rangeRead on, so a bad range is judged as a range on every driver.
      const { storage, calls } = recorded(context, { capabilities: { rangeRead: true } });
      const { storage: signing, minted } = signingRecorder(context);
      await context.storage.put(context.key("a"), old);
      for (const [label, value] of notOptions()) {
        const options = value as object;
        await assertRejectsWith(storage.put(context.key("a"), "new", options), "InvalidArgument", `put with ${label}`);
        await assertRejectsWith(storage.get(context.key("a"), options), "InvalidArgument", `get with ${label}`);
        await assertRejectsWith(storage.get(context.key("a"), { range: options as { offset: number } }), "InvalidArgument", `range ${label}`);
        await assertRejectsWith(storage.head(context.key("a"), options), "InvalidArgument", `head with ${label}`);
        await assertRejectsWith(storage.list(options), "InvalidArgument", `list with ${label}`);
        await assertRejectsWith(storage.delete(context.key("a"), options), "InvalidArgument", `delete with ${label}`);
        await assertRejectsWith(signing.signPut(context.key("a"), options), "InvalidArgument", `signPut with ${label}`);
        await assertRejectsWith(signing.signGet(context.key("a"), options), "InvalidArgument", `signGet with ${label}`);
      }
      assertDeepEqual(calls, [], "the driver was never called");
      assertDeepEqual(minted, [], "no URL was minted");
      await assertStored(context.storage, context.key("a"), old, "the previous value stays");
    },
  }),
  defineCase({
    name: "options: a signal that is not an AbortSignal gives InvalidArgument on every operation",
    requires: [],
    async run(context) {
      const { storage, calls } = recorded(context);
      await context.storage.put(context.key("a"), old);
      const fakes: [string, unknown][] = [
        ["{}", {}],
        ['"x"', "x"],
        ["an object with only aborted", { aborted: false }],
        ["an AbortController", new AbortController()],
        ["true", true],
      ];
      for (const [label, value] of fakes) {
        const signal = value as AbortSignal;
        await assertRejectsWith(storage.put(context.key("a"), "new", { signal }), "InvalidArgument", `put with signal ${label}`);
        await assertRejectsWith(storage.get(context.key("a"), { signal }), "InvalidArgument", `get with signal ${label}`);
        await assertRejectsWith(storage.head(context.key("a"), { signal }), "InvalidArgument", `head with signal ${label}`);
        await assertRejectsWith(storage.list({ prefix: context.prefix, signal }), "InvalidArgument", `list with signal ${label}`);
        await assertRejectsWith(storage.delete(context.key("a"), { signal }), "InvalidArgument", `delete with signal ${label}`);
      }
      assertDeepEqual(calls, [], "the driver was never called");
      await assertStored(context.storage, context.key("a"), old, "nothing was written or deleted");
    },
  }),
];
