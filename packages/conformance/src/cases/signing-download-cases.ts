import { defineCase } from "../conformance-case.js";
import { assertBytesEqual, assertEqual, assertTrue } from "../assert.js";
import { bytesOf, discard, expectStatus, parseDisposition } from "../case-tools.js";

/** Signed downloads: file names, ranges, conditional GETs and deleted objects. */
export const signingDownloadCases = [
  defineCase({
    name: "signing: a signed GET of an HTML object is an attachment unless signed inline",
    requires: ["signGet"],
    async run(context) {
      const { storage, key } = context;
      const target = key("page.html");
      await storage.put(target, "<script>document.title = 'ran'</script>", { contentType: "text/html" });
      const plain = await context.fetch(new Request((await storage.signGet(target)).url));
      assertEqual(plain.status, 200, "GET of the HTML object");
      await discard(plain);
      const header = plain.headers.get("content-disposition");
      assertTrue(header !== null && parseDisposition(header).type === "attachment", `served as an attachment by default (got ${header})`);
      const inline = await context.fetch(new Request((await storage.signGet(target, { inline: true })).url));
      assertEqual(inline.status, 200, "GET of the HTML object signed inline");
      await discard(inline);
      const inlineHeader = inline.headers.get("content-disposition");
      assertTrue(
        inlineHeader === null || parseDisposition(inlineHeader).type !== "attachment",
        `signed inline, not served as an attachment (got ${inlineHeader})`,
      );
    },
  }),

  defineCase({
    name: "signing: downloadFilename gives an RFC 6266 Content-Disposition, non-ASCII included",
    requires: ["signGet"],
    async run(context) {
      const { storage, key } = context;
      const target = key("download.bin");
      await storage.put(target, "contents");
      const names = ["report 2024.pdf", "résumé – 報告 😀.pdf"];
      for (const name of names) {
        const signed = await storage.signGet(target, { downloadFilename: name });
        const response = await context.fetch(new Request(signed.url));
        assertEqual(response.status, 200, `GET with downloadFilename ${name}`);
        await discard(response);
        const header = response.headers.get("content-disposition");
        assertTrue(header !== null, `Content-Disposition is sent for ${name}`);
        const parsed = parseDisposition(header);
        assertEqual(parsed.type, "attachment", `disposition type for ${name}`);
        assertTrue(/^[\x20-\x7e]*$/.test(header), `the header is ASCII for ${name}: ${header}`);
        assertEqual(parsed.extended ?? parsed.filename, name, `the file name a browser reads from ${header}`);
        if (parsed.filename !== undefined) assertTrue(/^[\x20-\x7e]*$/.test(parsed.filename), "the filename fallback is ASCII");
      }
    },
  }),

  defineCase({
    name: "signing: a ranged GET through a signed URL gives 206, an unsatisfiable one 416",
    requires: ["signGet", "rangeRead"],
    async run(context) {
      const { storage, key } = context;
      const target = key("ranged.bin");
      const body = bytesOf(1000);
      await storage.put(target, body);
      const signed = await storage.signGet(target);
      const response = await context.fetch(new Request(signed.url, { headers: { range: "bytes=100-199" } }));
      assertEqual(response.status, 206, "ranged GET status");
      assertEqual(response.headers.get("content-range"), "bytes 100-199/1000", "Content-Range");
      assertEqual(response.headers.get("content-length"), "100", "Content-Length of the range");
      assertBytesEqual(new Uint8Array(await response.arrayBuffer()), body.slice(100, 200), "the ranged bytes");
      const suffix = await context.fetch(new Request(signed.url, { headers: { range: "bytes=-10" } }));
      assertEqual(suffix.status, 206, "suffix range status");
      assertBytesEqual(new Uint8Array(await suffix.arrayBuffer()), body.slice(990), "the suffix bytes");
      await expectStatus(
        await context.fetch(new Request(signed.url, { headers: { range: "bytes=5000-" } })),
        [416],
        "a range past the end",
      );
    },
  }),

  defineCase({
    name: "signing: If-None-Match with the current ETag gives 304",
    requires: ["signGet"],
    async run(context) {
      const { storage, key } = context;
      const target = key("conditional.txt");
      const info = await storage.put(target, "conditional body");
      const signed = await storage.signGet(target);
      const response = await context.fetch(new Request(signed.url, { headers: { "if-none-match": `"${info.etag}"` } }));
      assertEqual(response.status, 304, "GET with the current ETag");
      await discard(response);
      const changed = await context.fetch(new Request(signed.url, { headers: { "if-none-match": '"not-the-etag"' } }));
      assertEqual(changed.status, 200, "GET with another ETag");
      assertEqual(await changed.text(), "conditional body", "the body with another ETag");
    },
  }),

  defineCase({
    name: "signing: a signed GET after delete gives 404",
    requires: ["signGet"],
    async run(context) {
      const { storage, key } = context;
      const target = key("deleted.txt");
      await storage.put(target, "soon gone");
      const signed = await storage.signGet(target);
      const before = await context.fetch(new Request(signed.url));
      assertEqual(before.status, 200, "GET before delete");
      assertEqual(await before.text(), "soon gone", "the body before delete");
      await storage.delete(target);
      await expectStatus(await context.fetch(new Request(signed.url)), [404], "GET after delete");
    },
  }),
];
