import { defineCase } from "../conformance-case.js";
import { assertBytesEqual, assertEqual, assertTrue } from "../assert.js";
import { alter, bytesOf, discard, expectOk, expectRejected, expectStatus, send, withParam } from "../case-tools.js";
import { signingDownloadCases } from "./signing-download-cases.js";
import { signingUploadCases } from "./signing-upload-cases.js";

/**
 * Signed URLs, exercised over real HTTP by an unauthenticated client
 * (`context.fetch`). The cases are driver-agnostic: a signed upload may be a
 * PUT with headers or a POST form with `fields` (S3 presigned POST).
 */

/** The first signing cases: a round trip, methods and tampered download URLs. */
const signingUrlCases = [
  defineCase({
    name: "signing: a signed upload then a signed download round-trips bytes and content type",
    requires: ["signPut", "signGet", "signPutContentType"],
    async run(context) {
      const { storage, key } = context;
      const target = key("round trip/photo ü.png");
      const body = bytesOf(256 * 40);
      const before = Date.now();
      const upload = await storage.signPut(target, { contentType: "image/png", expiresIn: 120 });
      assertTrue(upload.method === "PUT" || upload.method === "POST", `signPut method is PUT or POST (got ${upload.method})`);
      assertTrue(upload.expiresAt instanceof Date, "signPut returns expiresAt as a Date");
      const expiresIn = upload.expiresAt.getTime() - before;
      assertTrue(expiresIn > 110_000 && expiresIn <= 121_000, `expiresAt is about 120 s ahead (got ${expiresIn} ms)`);
      if (upload.method === "PUT") {
        const sentType = Object.entries(upload.headers).find(([name]) => name.toLowerCase() === "content-type")?.[1];
        assertEqual(sentType, "image/png", "signPut's headers carry the Content-Type the browser must send");
      }
      await expectOk(await send(context, upload, body), "the signed upload");

      const info = await storage.head(target);
      assertTrue(info !== null, "the upload is stored");
      assertEqual(info.size, body.byteLength, "stored size");
      assertEqual(info.contentType, "image/png", "stored content type");

      const download = await storage.signGet(target, { expiresIn: 120 });
      assertEqual(download.method, "GET", "signGet method");
      assertEqual(Object.keys(download.headers).length, 0, "signGet needs no headers");
      const response = await context.fetch(new Request(download.url));
      assertEqual(response.status, 200, "signed GET status");
      assertEqual(response.headers.get("content-type"), "image/png", "signed GET Content-Type");
      assertEqual(response.headers.get("content-length"), String(body.byteLength), "signed GET Content-Length");
      assertEqual(response.headers.get("etag"), `"${info.etag}"`, "signed GET ETag (quoted)");
      assertBytesEqual(new Uint8Array(await response.arrayBuffer()), body, "downloaded bytes");
    },
  }),

  defineCase({
    name: "signing: each signed URL works only with its own method",
    requires: ["signPut", "signGet"],
    async run(context) {
      const { storage, key } = context;
      const target = key("method.bin");
      const original = bytesOf(100);
      await storage.put(target, original);
      const download = await storage.signGet(target);
      await expectRejected(await send(context, download, bytesOf(100, 7), { method: "PUT" }), "a GET URL used to PUT");
      const upload = await storage.signPut(target);
      await expectRejected(await context.fetch(new Request(upload.url)), "an upload URL used to GET");
      const object = await storage.get(target);
      assertTrue(object !== null, "the object is still there");
      assertBytesEqual(await object.bytes(), original, "the object is unchanged");
    },
  }),

  defineCase({
    name: "signing: a tampered download URL gives 403",
    requires: ["signGet"],
    async run(context) {
      const { storage, key } = context;
      const target = key("tamper-target.txt");
      const other = key("tamper-targeu.txt");
      await storage.put(target, "the signed object");
      await storage.put(other, "another object");
      const signed = await storage.signGet(target, { downloadFilename: "report.txt" });
      const control = await context.fetch(new Request(signed.url));
      assertEqual(control.status, 200, "the untampered URL works");
      await discard(control);

      const url = new URL(signed.url);
      assertTrue(url.search.length > 1, "a signed download URL carries its signature in the query");
      await expectStatus(await context.fetch(new Request(`${url.origin}${url.pathname}`)), [400, 403], "the URL without its query (Swift: 400, handed to its own API)");
      for (const [name, value] of url.searchParams) {
        const tampered = withParam(signed.url, name, alter(value));
        await expectStatus(await context.fetch(new Request(tampered)), [400, 403], `the URL with ${name} changed`);
      }
      assertTrue(url.pathname.endsWith("tamper-target.txt"), "the key is the end of the URL path");
      const otherKey = new URL(signed.url);
      otherKey.pathname = `${url.pathname.slice(0, -"tamper-target.txt".length)}tamper-targeu.txt`;
      await expectStatus(await context.fetch(new Request(otherKey.href)), [403], "the URL with the key changed");
    },
  }),
];

/** Every signing case, in order: these, then uploads, then downloads. */
export const signingCases = [...signingUrlCases, ...signingUploadCases, ...signingDownloadCases];
