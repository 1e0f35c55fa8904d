// Safe serving without a browser: the headers every response carries, the
// disposition each type gets, and the types an unsigned upload may choose.
// The browser proof (no script runs, images still show) is xss.test.ts.
import { describe, expect, it } from "vitest";
import { createStorage, isStorageError } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { createSignedUrlHandler, servedObjectCsp } from "@stowage/http";

const secrets = [{ id: "s", secret: "safe-serving-secret-0123456789abcdef" }];
const baseUrl = "https://files.example.com/__storage";

function setup() {
  const storage = createStorage(memoryDriver({ signing: { secrets, baseUrl } }));
  const handler = createSignedUrlHandler(storage, { secrets, basePath: "/__storage" });
  return { storage, handler };
}

async function codeOf(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

function expectSafeHeaders(response: Response, label: string): void {
  const csp = response.headers.get("content-security-policy") ?? "";
  expect(csp.split(";").map((part) => part.trim())[0], `${label}: CSP sandbox`).toBe("sandbox");
  expect(csp, `${label}: no allow-scripts`).not.toContain("allow-");
  expect(csp, `${label}: default-src 'none'`).toContain("default-src 'none'");
  expect(response.headers.get("x-content-type-options"), `${label}: nosniff`).toBe("nosniff");
}

describe("safe serving", () => {
  it("sends the sandboxing CSP and nosniff on every response: 200, 206, 304, HEAD, PUT, errors, preflights", async () => {
    const { storage, handler } = setup();
    const info = await storage.put("page.html", "<script>1</script>", { contentType: "text/html" });
    const get = await storage.signGet("page.html");
    const put = await storage.signPut("new.txt");
    const forged = get.url.replace(/sig=[^&]+/, `sig=${"A".repeat(43)}`);
    const responses: [string, Response][] = [
      ["200", await handler(new Request(get.url))],
      ["206", await handler(new Request(get.url, { headers: { range: "bytes=0-3" } }))],
      ["304", await handler(new Request(get.url, { headers: { "if-none-match": `"${info.etag}"` } }))],
      ["HEAD", await handler(new Request(get.url, { method: "HEAD" }))],
      ["PUT", await handler(new Request(put.url, { method: "PUT", body: "x" }))],
      ["403", await handler(new Request(forged))],
      ["404", await handler(new Request("https://files.example.com/elsewhere"))],
      ["405", await handler(new Request(get.url, { method: "DELETE" }))],
      ["OPTIONS", await handler(new Request(get.url, { method: "OPTIONS", headers: { origin: "https://a.example" } }))],
    ];
    expect(responses.map(([, response]) => response.status)).toEqual([200, 206, 304, 200, 200, 403, 404, 405, 403]);
    for (const [label, response] of responses) expectSafeHeaders(response, label);
    expect(servedObjectCsp).toMatch(/^sandbox;/);
  });

  it("serves active types as attachments unless the signer opted in to inline; passive types inline", async () => {
    const { storage, handler } = setup();
    const cases: { type: string; disposition?: string; sign?: Parameters<typeof storage.signGet>[1]; expected: string | null }[] = [
      { type: "text/html", expected: "attachment" },
      { type: "Text/HTML; charset=utf-8", expected: "attachment" },
      { type: "application/xhtml+xml", expected: "attachment" },
      { type: "image/svg+xml", expected: "attachment" },
      { type: "text/xml", expected: "attachment" },
      { type: "application/xml", expected: "attachment" },
      { type: "application/javascript", expected: "attachment" },
      { type: "application/pdf", expected: "attachment" },
      { type: "application/x-unknown", expected: "attachment" },
      { type: "image/png", expected: null },
      { type: "text/plain; charset=utf-8", expected: null },
      { type: "image/png", sign: { responseContentType: "text/html" }, expected: "attachment" },
      { type: "text/html", sign: { responseContentType: "text/plain" }, expected: null },
      { type: "text/html", sign: { inline: true }, expected: "inline" },
      { type: "image/svg+xml", sign: { inline: true }, expected: "inline" },
      { type: "text/html", sign: { downloadFilename: "page.html" }, expected: 'attachment; filename="page.html"' },
      { type: "text/html", disposition: 'inline; filename="a.html"', expected: 'attachment; filename="a.html"' },
      { type: "text/html", disposition: 'attachment; filename="a.html"', expected: 'attachment; filename="a.html"' },
      { type: "image/png", disposition: 'attachment; filename="a.png"', sign: { inline: true }, expected: 'inline; filename="a.png"' },
      { type: "image/png", disposition: 'inline; filename="a.png"', expected: 'inline; filename="a.png"' },
    ];
    for (const [index, { type, disposition, sign, expected }] of cases.entries()) {
      const key = `object-${index}`;
      await storage.put(key, "<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", {
        contentType: type,
        ...(disposition === undefined ? {} : { contentDisposition: disposition }),
      });
      const signed = await storage.signGet(key, sign);
      for (const method of ["GET", "HEAD"]) {
        const response = await handler(new Request(signed.url, { method }));
        const label = `${method} ${type} ${JSON.stringify(sign ?? {})} ${disposition ?? ""}`;
        expect(response.status, label).toBe(200);
        expect(response.headers.get("content-disposition"), label).toBe(expected);
        expectSafeHeaders(response, label);
      }
    }
  });

  it("refuses an active type an uploader chose on an unsigned PUT (415, nothing stored, one-time URL not used up)", async () => {
    const { storage, handler } = setup();
    const active = [
      "text/html",
      "TEXT/HTML; charset=utf-8",
      "image/svg+xml",
      "application/xhtml+xml",
      "text/xml",
      "application/xml",
      "application/javascript",
      "image/png, text/html",
      "application/pdf",
    ];
    for (const type of active) {
      const signed = await storage.signPut("upload.bin", { oneTime: true });
      const refused = await handler(new Request(signed.url, { method: "PUT", body: "<script>x</script>", headers: { "content-type": type } }));
      expect(refused.status, type).toBe(415);
      expect(await codeOf(refused), type).toBe("UnsafeContentType");
      expect(await storage.head("upload.bin"), type).toBeNull();
      // The nonce was not consumed: the same URL works with a passive type.
      const retried = await handler(new Request(signed.url, { method: "PUT", body: "fine", headers: { "content-type": "text/plain" } }));
      expect(retried.status, type).toBe(200);
      await storage.delete("upload.bin");
    }
    for (const [type, stored] of [
      ["image/png", "image/png"],
      ["text/plain; charset=utf-8", "text/plain; charset=utf-8"],
      ["application/octet-stream", "application/octet-stream"],
      [null, "application/octet-stream"],
    ] as const) {
      const signed = await storage.signPut("passive.bin");
      const headers: Record<string, string> = type === null ? {} : { "content-type": type };
      const body = type === null ? new Uint8Array([1]) : "x";
      const response = await handler(new Request(signed.url, { method: "PUT", body, headers }));
      expect(response.status, String(type)).toBe(200);
      expect((await storage.head("passive.bin"))!.contentType, String(type)).toBe(stored);
    }
  });

  it("accepts an active type the signer chose, and still serves it as an attachment", async () => {
    const { storage, handler } = setup();
    const signed = await storage.signPut("page.html", { contentType: "text/html" });
    const put = await handler(new Request(signed.url, { method: "PUT", body: "<script>1</script>", headers: { "content-type": "text/html" } }));
    expect(put.status).toBe(200);
    const response = await handler(new Request((await storage.signGet("page.html")).url));
    expect(response.headers.get("content-type")).toBe("text/html");
    expect(response.headers.get("content-disposition")).toBe("attachment");
    expectSafeHeaders(response, "signed text/html");
  });
});

describe("handler options", () => {
  const storage = createStorage(memoryDriver({ signing: { secrets, baseUrl } }));
  const refusal = (options: unknown): string => {
    try {
      createSignedUrlHandler(storage, options as never);
    } catch (error) {
      expect(isStorageError(error) && error.code).toBe("InvalidArgument");
      return (error as Error).message;
    }
    throw new Error(`accepted ${JSON.stringify(options)}`);
  };

  it("refuses unknown keys, naming the nearest known one, at the top level and in cors", () => {
    expect(refusal({ secrets, basepath: "/__storage" })).toMatch(/"basepath".*"basePath"/);
    expect(refusal({ secrets, nonceStorage: undefined })).toMatch(/"nonceStorage".*"nonceStore"/);
    expect(refusal({ secrets, corsOrigins: ["https://a.example"] })).toMatch(/"corsOrigins"/);
    expect(refusal({ secrets, cors: { origin: ["https://a.example"] } })).toMatch(/"origin".*"origins"/);
    expect(refusal({ secrets, cors: { origins: "*", allowedHeaders: ["x"] } })).toMatch(/"allowedHeaders".*"allowHeaders"/);
    expect(refusal({ secrets, cors: { origins: "*", maxage: 5 } })).toMatch(/"maxage".*"maxAge"/);
  });

  it("refuses bad cors values: paths, null origins, wildcard or malformed header names, bad maxAge", () => {
    for (const cors of [
      { origins: ["https://a.example/"] },
      { origins: ["https://a.example/app"] },
      { origins: ["null"] },
      { origins: "https://a.example" },
      { origins: "*", allowHeaders: ["*"] },
      { origins: "*", allowHeaders: ["content type"] },
      { origins: "*", allowHeaders: "content-type" },
      { origins: "*", maxAge: -1 },
      { origins: "*", maxAge: 1.5 },
    ]) {
      expect(refusal({ secrets, cors }), JSON.stringify(cors)).toMatch(/cors/);
    }
  });
});
