import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalizedResource, SharedKeySigner, stringToSign } from "../src/shared-key.ts";

// Azure's documented Shared Key layout (Authorize with Shared Key, version 2009-09-19 and later).
describe("Shared Key string-to-sign", () => {
  it("lists the verb, the 11 standard headers (Content-Length empty when 0), sorted x-ms- headers and the resource", () => {
    const url = new URL("http://127.0.0.1:10000/devstoreaccount1/box/a%20b/c?comp=block&BlockId=YWI%3D&restype=");
    const headers = new Headers({
      "Content-Type": "text/plain",
      "Content-Length": "11",
      "If-Match": '"0x8D1"',
      "X-MS-Version": "2025-01-05",
      "x-ms-date": "Mon, 30 Nov 2026 07:00:00 GMT",
      "x-ms-meta-m_note": "  two  inner  spaces",
      "x-ms-blob-type": "BlockBlob",
    });
    expect(stringToSign("put", url, headers, "devstoreaccount1")).toBe(
      [
        "PUT",
        "", // Content-Encoding
        "", // Content-Language
        "11",
        "", // Content-MD5
        "text/plain",
        "", // Date
        "", // If-Modified-Since
        '"0x8D1"',
        "", // If-None-Match
        "", // If-Unmodified-Since
        "", // Range
        "x-ms-blob-type:BlockBlob",
        "x-ms-date:Mon, 30 Nov 2026 07:00:00 GMT",
        "x-ms-meta-m_note:two  inner  spaces",
        "x-ms-version:2025-01-05",
        "/devstoreaccount1/devstoreaccount1/box/a%20b/c",
        "blockid:YWI=",
        "comp:block",
        "restype:",
      ].join("\n"),
    );
    expect(stringToSign("PUT", url, new Headers({ "content-length": "0" }), "acct").split("\n")[3]).toBe("");
  });

  it("sorts query names lowercased and joins the values of one name, sorted, with commas", () => {
    const url = new URL("https://acct.blob.core.windows.net/c?restype=container&comp=list&Include=metadata&include=snapshots&prefix=a%2Fb");
    expect(canonicalizedResource(url, "acct")).toBe("/acct/c\ncomp:list\ninclude:metadata,snapshots\nprefix:a/b\nrestype:container");
  });

  it("signs with HMAC-SHA256 of the base64-decoded key", async () => {
    const key = Buffer.from("not a real key, 32 bytes long!!!").toString("base64");
    const signer = new SharedKeySigner("acct", key);
    const expected = createHmac("sha256", Buffer.from(key, "base64")).update("text \u00e9", "utf8").digest("base64");
    expect(await signer.hmac("text \u00e9")).toBe(expected);
  });
});
