import { createStorage } from "@stowage/core";
import { defineCase } from "../conformance-case.js";
import { assertDeepEqual, assertEqual, assertRejectsWith, assertTrue } from "../assert.js";
import { assertAbsent, patternBytes, utf8 } from "../case-tools.js";
import { wrapDriver } from "../wrap-driver.js";

/** put: the returned info, content type, content-* headers and metadata (the first put cases). */
export const putMetadataCases = [
  defineCase({
    name: "put: returns ObjectInfo with key, size, etag and lastModified",
    requires: [],
    async run({ storage, key }) {
      const before = Date.now();
      const info = await storage.put(key("info"), utf8("hello, world"));
      assertEqual(info.key, key("info"), "key");
      assertEqual(info.size, 12, "size");
      assertTrue(typeof info.etag === "string" && info.etag.length > 0, "etag is a non-empty string");
      assertTrue(!info.etag.startsWith('"') && !info.etag.startsWith("W/"), `etag is unquoted (got ${info.etag})`);
      assertTrue(info.lastModified instanceof Date && !Number.isNaN(info.lastModified.getTime()), "lastModified is a Date");
      // Allow clock skew with a real server, but not nonsense such as the epoch.
      assertTrue(Math.abs(info.lastModified.getTime() - before) < 15 * 60_000, "lastModified is about now");
      assertDeepEqual(info.metadata, {}, "metadata defaults to {}");
      const head = await storage.head(key("info"));
      assertEqual(head?.etag, info.etag, "head has the etag put returned");
      assertEqual(head?.size, 12, "head has the size");
    },
  }),
  defineCase({
    name: "put: contentType defaults to application/octet-stream",
    requires: [],
    async run({ storage, key }) {
      const info = await storage.put(key("untyped"), utf8("x"));
      assertEqual(info.contentType, "application/octet-stream", "put's info");
      assertEqual((await storage.head(key("untyped")))?.contentType, "application/octet-stream", "head");
      assertEqual((await storage.get(key("untyped")))?.contentType, "application/octet-stream", "get");
      await storage.put(key("string"), "text is not typed either");
      assertEqual((await storage.head(key("string")))?.contentType, "application/octet-stream", "a string body gets no type");
    },
  }),
  defineCase({
    name: "put: contentType and content-* headers round-trip",
    requires: [],
    async run({ storage, key }) {
      const options = {
        contentType: "text/plain; charset=utf-8",
        cacheControl: "public, max-age=3600",
        contentDisposition: 'attachment; filename="report.txt"',
        contentEncoding: "identity",
      };
      const info = await storage.put(key("typed"), utf8("typed"), options);
      const head = await storage.head(key("typed"));
      const object = await storage.get(key("typed"));
      for (const [label, value] of [["put", info], ["head", head], ["get", object]] as const) {
        assertTrue(value !== null, `${label} returns info`);
        assertEqual(value.contentType, options.contentType, `${label} contentType`);
        assertEqual(value.cacheControl, options.cacheControl, `${label} cacheControl`);
        assertEqual(value.contentDisposition, options.contentDisposition, `${label} contentDisposition`);
        assertEqual(value.contentEncoding, options.contentEncoding, `${label} contentEncoding`);
      }
      await storage.put(key("image"), patternBytes(10), { contentType: "image/png" });
      assertEqual((await storage.head(key("image")))?.contentType, "image/png", "image/png");
    },
  }),
  defineCase({
    name: "put: metadata round-trips on put, head and get",
    requires: [],
    async run({ storage, key }) {
      const metadata = { author: "ada", "x-trace-id": "abc-123", "2fa": "on", spaces: "a b c", symbols: "!#$%&'()*+,-./:;<=>?@[]^_`{|}~" };
      const info = await storage.put(key("meta"), utf8("m"), { metadata });
      assertDeepEqual(info.metadata, metadata, "put's info");
      assertDeepEqual((await storage.head(key("meta")))?.metadata, metadata, "head");
      assertDeepEqual((await storage.get(key("meta")))?.metadata, metadata, "get");
    },
  }),
  defineCase({
    name: "put: invalid metadata keys and values give InvalidArgument before the driver runs",
    requires: [],
    async run({ fixture, key }) {
      const calls: string[] = [];
      const storage = createStorage(wrapDriver(fixture.driver, { onCall: (method) => calls.push(method) }));
      const bad: Record<string, string>[] = [
        { Upper: "x" },
        { under_score: "x" },
        { "with space": "x" },
        { "": "x" },
        { "dot.ted": "x" },
        { "ümlaut": "x" },
        { fine: "new\nline" },
        { fine: "non-ascii é" },
      ];
      for (const metadata of bad) {
        await assertRejectsWith(storage.put(key("bad"), "x", { metadata }), "InvalidArgument", `metadata ${JSON.stringify(metadata)}`);
      }
      await assertRejectsWith(
        storage.put(key("bad"), "x", { metadata: { count: 1 } as unknown as Record<string, string> }),
        "InvalidArgument",
        "a number value",
      );
      assertDeepEqual(calls, [], "no driver method ran");
    },
  }),
  defineCase({
    name: "put: metadata values with leading or trailing spaces give InvalidArgument; inner spaces round-trip",
    requires: [],
    async run({ fixture, key }) {
      // S3 servers trim them while memory and fs would keep them: one app,
      // two behaviours. So they are refused everywhere, before the driver runs.
      const calls: string[] = [];
      const storage = createStorage(wrapDriver(fixture.driver, { onCall: (method) => calls.push(method) }));
      for (const value of [" leading", "trailing ", " both ", " ", "   "]) {
        const error = await assertRejectsWith(
          storage.put(key("spaced"), "x", { metadata: { note: value } }),
          "InvalidArgument",
          `metadata value ${JSON.stringify(value)}`,
        );
        assertTrue(error.message.includes("note"), `the message names the metadata key (got ${JSON.stringify(error.message)})`);
      }
      assertDeepEqual(calls, [], "no driver method ran");
      await storage.put(key("inner"), "x", { metadata: { note: "inner  spaces kept", empty: "" } });
      const info = await storage.head(key("inner"));
      assertEqual(info?.metadata.note, "inner  spaces kept", "inner spaces round-trip");
    },
  }),
  defineCase({
    name: "put: metadata up to 2 KiB (or the driver's smaller maxMetadataBytes) is accepted and more is InvalidArgument",
    requires: [],
    async run({ storage, key }) {
      // Keys plus values, in bytes: "k0" (2) + half + "k1" (2) + the rest = the budget (2048: two 1,022-byte values).
      const limit = Math.min(storage.driver.maxMetadataBytes ?? 2048, 2048);
      const half = Math.floor((limit - 4) / 2);
      const exact = { k0: "a".repeat(half), k1: "b".repeat(limit - 4 - half) };
      await storage.put(key("exact"), "x", { metadata: exact });
      assertDeepEqual((await storage.head(key("exact")))?.metadata, exact, `${limit} bytes of metadata round-trip`);
      const over = { k0: "a".repeat(half), k1: "b".repeat(limit - 3 - half) };
      await assertRejectsWith(storage.put(key("over"), "x", { metadata: over }), "InvalidArgument", `${limit + 1} bytes of metadata`);
      const many: Record<string, string> = {};
      for (let index = 0; index < 300; index++) many[`key-${index}`] = "v";
      await assertRejectsWith(storage.put(key("many"), "x", { metadata: many }), "InvalidArgument", "many small entries");
      await assertAbsent(storage, key("over"), "a refused put creates nothing");
    },
  }),
  defineCase({
    name: "put: invalid contentType and header values give InvalidArgument",
    requires: [],
    async run({ storage, key }) {
      await assertRejectsWith(storage.put(key("t"), "x", { contentType: "not a type" }), "InvalidArgument", "contentType without a slash");
      await assertRejectsWith(storage.put(key("t"), "x", { contentType: "text/plain\r\nx: y" }), "InvalidArgument", "contentType with CRLF");
      await assertRejectsWith(storage.put(key("t"), "x", { cacheControl: "a\nb" }), "InvalidArgument", "cacheControl with a newline");
      await assertRejectsWith(storage.put(key("t"), "x", { contentDisposition: "" }), "InvalidArgument", "empty contentDisposition");
      await assertRejectsWith(storage.put(key("t"), "x", { size: -1 }), "InvalidArgument", "negative size");
      await assertRejectsWith(storage.put(key("t"), "x", { size: 1.5 }), "InvalidArgument", "fractional size");
      await assertRejectsWith(storage.put(key("t"), 42 as unknown as string), "InvalidArgument", "a number body");
      await assertAbsent(storage, key("t"), "nothing was created");
    },
  }),
];
