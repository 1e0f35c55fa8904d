import { defineCase } from "../conformance-case.js";
import { assertBytesEqual, assertEqual, assertTrue } from "../assert.js";
import { alter, bytesOf, expectAbsent, expectNoLeftovers, expectOk, expectRejected, expectStatus, send, tooLargeStatuses, withParam } from "../case-tools.js";

/** Signed uploads: tampering, expiry, content type, size limits, one-time and create-only URLs. */
export const signingUploadCases = [
  defineCase({
    name: "signing: a tampered upload URL gives 403 and stores nothing",
    requires: ["signPut"],
    async run(context) {
      const { storage, key } = context;
      const target = key("tamper-upload.bin");
      const options: { contentType?: string; maxSize?: number } = {};
      if (storage.capabilities.signPutContentType) options.contentType = "application/octet-stream";
      if (storage.capabilities.signPutMaxSize) options.maxSize = 4096;
      const signed = await storage.signPut(target, options);
      const body = bytesOf(64);
      if (signed.method === "POST" && signed.fields !== undefined) {
        for (const name of Object.keys(signed.fields)) {
          if (name.toLowerCase() === "key" || name.toLowerCase() === "content-type") continue;
          const fields = { ...signed.fields, [name]: alter(signed.fields[name]!) };
          await expectStatus(await send(context, signed, body, { fields }), [400, 403], `the form with ${name} changed`);
        }
      } else {
        const url = new URL(signed.url);
        await expectStatus(await send(context, signed, body, { url: `${url.origin}${url.pathname}` }), [400, 403], "the URL without its query (Swift: 400, handed to its own API)");
        for (const [name, value] of url.searchParams) {
          await expectStatus(
            await send(context, signed, body, { url: withParam(signed.url, name, alter(value)) }),
            [400, 403],
            `the URL with ${name} changed`,
          );
        }
        assertTrue(url.pathname.endsWith("tamper-upload.bin"), "the key is the end of the URL path");
        const otherKey = new URL(signed.url);
        otherKey.pathname = `${url.pathname.slice(0, -"tamper-upload.bin".length)}tamper-uploae.bin`;
        await expectStatus(await send(context, signed, body, { url: otherKey.href }), [403], "the URL with the key changed");
        await expectAbsent(context, key("tamper-uploae.bin"), "after the upload with the key changed");
      }
      await expectAbsent(context, target, "after tampered uploads");
    },
  }),

  defineCase({
    name: "signing: expired URLs give 403",
    requires: ["signPut", "signGet"],
    async run(context) {
      const { storage, key } = context;
      const past = context.createStorage({ clock: () => Date.now() - 3_600_000 });
      const target = key("expired.bin");
      const upload = await past.signPut(target, { expiresIn: 60 });
      assertTrue(upload.expiresAt.getTime() < Date.now(), "the URL expired an hour ago (minus a minute)");
      await expectStatus(await send(context, upload, bytesOf(10)), [403], "an expired upload URL");
      await expectAbsent(context, target, "after an expired upload");

      await storage.put(target, "present");
      const download = await past.signGet(target, { expiresIn: 60 });
      await expectStatus(await context.fetch(new Request(download.url)), [403], "an expired download URL");
      const fresh = await storage.signGet(target, { expiresIn: 60 });
      const response = await context.fetch(new Request(fresh.url));
      assertEqual(response.status, 200, "a fresh URL for the same key works");
      assertEqual(await response.text(), "present", "the fresh URL's body");
    },
  }),

  defineCase({
    name: "signing: a wrong or missing content type is rejected and nothing is stored",
    requires: ["signPut", "signPutContentType"],
    async run(context) {
      const { storage, key } = context;
      const target = key("typed.png");
      const signed = await storage.signPut(target, { contentType: "image/png" });
      await expectRejected(await send(context, signed, bytesOf(32), { contentType: "text/plain" }), "a wrong content type");
      await expectAbsent(context, target, "after a wrong content type");
      await expectRejected(await send(context, signed, bytesOf(32), { contentType: null }), "a missing content type");
      await expectAbsent(context, target, "after a missing content type");
      await expectNoLeftovers(context, "after rejected content types");
    },
  }),

  defineCase({
    name: "signing: an upload sent without a Content-Type reads back as application/octet-stream",
    requires: ["signPut"],
    async run(context) {
      // S3 servers store their own default, binary/octet-stream, for a PUT
      // without Content-Type; every backend must read back the same type as
      // an untyped put (application/octet-stream).
      const { storage, key } = context;
      const target = key("untyped upload");
      const body = bytesOf(64, 7);
      const signed = await storage.signPut(target);
      if (signed.method === "PUT") {
        const signedType = Object.keys(signed.headers).find((name) => name.toLowerCase() === "content-type");
        assertEqual(signedType, undefined, "a URL signed without contentType asks for no Content-Type header");
      }
      await expectOk(await send(context, signed, body, { contentType: null }), "the upload without a Content-Type");
      const info = await storage.head(target);
      assertEqual(info?.contentType, "application/octet-stream", "head's contentType");
      const object = await storage.get(target);
      assertTrue(object !== null, "the upload is stored");
      assertEqual(object.contentType, "application/octet-stream", "get's contentType");
      assertBytesEqual(await object.bytes(), body, "the body");
    },
  }),

  defineCase({
    name: "signing: a declared length over maxSize gives 413 and stores nothing",
    requires: ["signPut", "signPutMaxSize"],
    async run(context) {
      const { storage, key } = context;
      const target = key("too-large-declared.bin");
      const signed = await storage.signPut(target, { maxSize: 1024 });
      await expectStatus(await send(context, signed, bytesOf(4096)), tooLargeStatuses(signed), "4096 bytes against maxSize 1024");
      await expectAbsent(context, target, "after a too-large upload");
      await expectNoLeftovers(context, "after a too-large upload");
      const exact = await storage.signPut(key("at-limit.bin"), { maxSize: 1024 });
      await expectOk(await send(context, exact, bytesOf(1024)), "exactly maxSize bytes");
      assertEqual((await storage.head(key("at-limit.bin")))?.size, 1024, "the upload at the limit is stored");
    },
  }),

  defineCase({
    name: "signing: a chunked body over maxSize gives 413 and stores nothing",
    requires: ["signPut", "signPutMaxSize"],
    async run(context) {
      const { storage, key } = context;
      const target = key("too-large-chunked.bin");
      const signed = await storage.signPut(target, { maxSize: 4096 });
      const response = await send(context, signed, bytesOf(256 * 1024), { chunkSize: 1024 });
      await expectStatus(response, tooLargeStatuses(signed), "a chunked 256 KiB body against maxSize 4096");
      await expectAbsent(context, target, "after a too-large chunked upload");
      await expectNoLeftovers(context, "after a too-large chunked upload");
      if (signed.method === "PUT") {
        const small = await storage.signPut(key("chunked-small.bin"), { maxSize: 4096 });
        await expectOk(await send(context, small, bytesOf(4000), { chunkSize: 1000 }), "a chunked body under maxSize");
        assertEqual((await storage.head(key("chunked-small.bin")))?.size, 4000, "the chunked upload under the limit is stored");
      }
    },
  }),

  defineCase({
    name: "signing: an upload must have exactly the signed size",
    requires: ["signPut", "signPutSize"],
    async run(context) {
      const { storage, key } = context;
      const target = key("exact-size.bin");
      const signed = await storage.signPut(target, { size: 100 });
      await expectRejected(await send(context, signed, bytesOf(101)), "one byte too many");
      await expectAbsent(context, target, "after a too-long upload");
      await expectRejected(await send(context, signed, bytesOf(99)), "one byte too few");
      await expectAbsent(context, target, "after a too-short upload");
      await expectOk(await send(context, signed, bytesOf(100)), "exactly the signed size");
      assertEqual((await storage.head(target))?.size, 100, "the exact upload is stored");
    },
  }),

  defineCase({
    name: "signing: a one-time URL cannot be replayed and the first upload stays",
    requires: ["signPut", "signPutOneTime"],
    async run(context) {
      const { storage, key } = context;
      const target = key("once.bin");
      const signed = await storage.signPut(target, { oneTime: true });
      const first = bytesOf(64, 1);
      await expectOk(await send(context, signed, first), "the first use");
      await expectRejected(await send(context, signed, bytesOf(64, 2)), "a replay");
      const object = await storage.get(target);
      assertTrue(object !== null, "the first upload is stored");
      assertBytesEqual(await object.bytes(), first, "the first upload is intact");
      const again = await storage.signPut(target, { oneTime: true });
      await expectOk(await send(context, again, bytesOf(64, 3)), "a new one-time URL for the same key");
    },
  }),

  defineCase({
    name: "signing: a create-only URL on an existing key gives 409",
    requires: ["signPut", "signPutIfNotExists"],
    async run(context) {
      const { storage, key } = context;
      const fresh = key("create-only-fresh.bin");
      const signedFresh = await storage.signPut(fresh, { ifNotExists: true });
      await expectOk(await send(context, signedFresh, bytesOf(10)), "a create-only upload to a new key");
      const existing = key("create-only.bin");
      await storage.put(existing, "original");
      const signed = await storage.signPut(existing, { ifNotExists: true });
      await expectStatus(await send(context, signed, bytesOf(10)), [409, 412], "a create-only upload to an existing key");
      const object = await storage.get(existing);
      assertEqual(await object?.text(), "original", "the existing object is unchanged");
    },
  }),
];
