// CORS: Vary on every response the configuration affects, preflights that
// name Origin once, and allowed request headers from a configured list,
// never echoed from the preflight.
import { describe, expect, it } from "vitest";
import { createStorage } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { createSignedUrlHandler, type CorsOptions } from "@stowage/http";

const secrets = [{ id: "c", secret: "cors-test-secret-0123456789abcdef0123" }];
const baseUrl = "https://files.example.com/__storage";
const app = "https://app.example.com";
const evil = "https://evil.example.com";

async function setup(cors?: CorsOptions) {
  const storage = createStorage(memoryDriver({ signing: { secrets, baseUrl } }));
  const handler = createSignedUrlHandler(storage, { secrets, basePath: "/__storage", ...(cors ? { cors } : {}) });
  await storage.put("a.png", new Uint8Array([1, 2, 3]), { contentType: "image/png" });
  const get = (await storage.signGet("a.png")).url;
  const put = (await storage.signPut("b.png", { contentType: "image/png" })).url;
  return { storage, handler, get, put };
}

function varyTokens(response: Response): string[] {
  return (response.headers.get("vary") ?? "")
    .split(",")
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== "");
}

function preflight(url: string, origin: string | undefined, method = "PUT", requestHeaders?: string): Request {
  const headers: Record<string, string> = { "access-control-request-method": method };
  if (origin !== undefined) headers.origin = origin;
  if (requestHeaders !== undefined) headers["access-control-request-headers"] = requestHeaders;
  return new Request(url, { method: "OPTIONS", headers });
}

describe("CORS", () => {
  it("sends Vary: Origin once on every response when origins is a list: allowed, refused, errors, no Origin", async () => {
    const { handler, get, put } = await setup({ origins: [app] });
    const forged = get.replace(/sig=[^&]+/, `sig=${"A".repeat(43)}`);
    const requests: [string, Request, number, string | null][] = [
      ["GET allowed", new Request(get, { headers: { origin: app } }), 200, app],
      ["GET refused origin", new Request(get, { headers: { origin: evil } }), 200, null],
      ["GET without Origin", new Request(get), 200, null],
      ["403 allowed origin", new Request(forged, { headers: { origin: app } }), 403, app],
      ["403 refused origin", new Request(forged, { headers: { origin: evil } }), 403, null],
      ["404", new Request("https://files.example.com/elsewhere", { headers: { origin: evil } }), 404, null],
      ["PUT wrong type", new Request(put, { method: "PUT", body: "x", headers: { origin: app, "content-type": "image/gif" } }), 403, app],
      ["preflight allowed", preflight(put, app), 204, app],
      ["preflight refused origin", preflight(put, evil), 403, null],
      ["preflight refused method", preflight(put, app, "DELETE"), 403, app],
      ["preflight without Origin", preflight(put, undefined), 204, null],
    ];
    for (const [label, request, status, allowOrigin] of requests) {
      const response = await handler(request);
      expect(response.status, label).toBe(status);
      expect(response.headers.get("access-control-allow-origin"), label).toBe(allowOrigin);
      expect(varyTokens(response).filter((token) => token === "origin"), label).toEqual(["origin"]);
    }
  });

  it("preflights name Origin once in Vary, vary on the requested method, and not on requested headers", async () => {
    const { handler, put } = await setup({ origins: [app] });
    const response = await handler(preflight(put, app, "PUT", "content-type"));
    expect(varyTokens(response).sort()).toEqual(["access-control-request-method", "origin"]);
  });

  it("allows the default request headers, never the ones a preflight asks for", async () => {
    const { handler, put } = await setup({ origins: [app] });
    for (const requested of [undefined, "content-type", "x-evil, content-type", "authorization", "cookie, x-amz-date"]) {
      const response = await handler(preflight(put, app, "PUT", requested));
      expect(response.status, String(requested)).toBe(204);
      expect(response.headers.get("access-control-allow-headers"), String(requested)).toBe("content-type, range, if-match, if-none-match");
    }
  });

  it("allows a configured list of request headers instead", async () => {
    const { handler, put } = await setup({ origins: [app], allowHeaders: ["Content-Type", "X-Upload-Id"] });
    const response = await handler(preflight(put, app, "PUT", "x-other"));
    expect(response.headers.get("access-control-allow-headers")).toBe("content-type, x-upload-id");
    const none = await setup({ origins: [app], allowHeaders: [] });
    expect((await none.handler(preflight(none.put, app, "PUT", "content-type"))).headers.get("access-control-allow-headers")).toBeNull();
  });

  it('with origins "*", every response says "*" with or without Origin, so none varies on Origin', async () => {
    const { handler, get, put } = await setup({ origins: "*" });
    for (const request of [new Request(get, { headers: { origin: evil } }), new Request(get), preflight(put, evil), new Request(`${get}x`)]) {
      const response = await handler(request);
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      expect(varyTokens(response)).not.toContain("origin");
    }
  });

  it("without a cors option, sends no CORS headers and refuses preflights", async () => {
    const { handler, get, put } = await setup();
    const response = await handler(new Request(get, { headers: { origin: app } }));
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("vary")).toBeNull();
    expect((await handler(preflight(put, app))).status).toBe(403);
  });
});
