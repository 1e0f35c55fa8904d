// signingEndpoint: signed URLs that point at a reverse proxy in front of the
// server. A tiny proxy on 127.0.0.1 forwards to the test server keeping the
// Host header (SigV4 signs it), as a CDN or nginx with `proxy_set_header Host
// $http_host` would.
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createStorage } from "@stowage/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3Environment } from "./s3-test-environment.ts";
import { runPrefix, testDriver } from "./s3-test-driver.ts";

const environment = s3Environment();

/** A proxy that forwards every request to `target` unchanged, Host included. */
function startProxy(target: URL): Promise<{ server: Server; origin: string; forwarded: string[] }> {
  const forwarded: string[] = [];
  const server = createServer((incoming, outgoing) => {
    forwarded.push(`${incoming.method} ${incoming.headers.host}`);
    const upstream = request(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    upstream.on("error", () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, origin: `http://127.0.0.1:${port}`, forwarded });
    });
  });
}

describe.skipIf(environment === null)(`signingEndpoint through a proxy to ${environment?.label ?? "an S3 server"}`, () => {
  const env = environment!;
  const prefix = runPrefix("signing-endpoint");
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let storage: ReturnType<typeof createStorage>;
  let driver: ReturnType<typeof testDriver>;
  beforeAll(async () => {
    proxy = await startProxy(new URL(env.endpoint));
    driver = testDriver(env, { signingEndpoint: proxy.origin });
    storage = createStorage(driver);
  });
  afterAll(async () => {
    await storage.deletePrefix(prefix);
    driver.raw.destroy();
    await new Promise((resolve) => proxy.server.close(resolve));
  });

  it("a signed GET and PUT go to the proxy's origin, work through it, and the driver's own requests do not", async () => {
    const key = `${prefix}via proxy/ü.txt`;
    const put = await storage.signPut(key, { expiresIn: 300, contentType: "text/plain" });
    expect(put.url.startsWith(`${proxy.origin}/${env.bucket}/`)).toBe(true);
    const uploaded = await fetch(put.url, { method: "PUT", headers: put.headers, body: "through the proxy" });
    expect(uploaded.status).toBe(200);
    await uploaded.arrayBuffer();
    const get = await storage.signGet(key, { expiresIn: 300 });
    expect(get.url.startsWith(`${proxy.origin}/`)).toBe(true);
    const response = await fetch(get.url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("through the proxy");
    expect(proxy.forwarded).toEqual([`PUT ${new URL(proxy.origin).host}`, `GET ${new URL(proxy.origin).host}`]);
    // The driver itself still talks to the endpoint directly.
    expect(await storage.head(key)).toMatchObject({ size: 17, contentType: "text/plain" });
    expect(proxy.forwarded).toHaveLength(2);
  });

  it("tampering still fails, and the URL is bound to the proxy's host", async () => {
    const key = `${prefix}tamper`;
    await storage.put(key, "secret");
    const get = await storage.signGet(key, { expiresIn: 300 });
    const otherKey = await fetch(get.url.replace("/tamper?", "/tampered?"));
    expect(otherKey.status).toBe(403);
    await otherKey.arrayBuffer();
    const signature = new URL(get.url);
    const value = signature.searchParams.get("X-Amz-Signature")!;
    signature.searchParams.set("X-Amz-Signature", `${value.slice(0, -1)}${value.endsWith("0") ? "1" : "0"}`);
    const forged = await fetch(signature.toString());
    expect(forged.status).toBe(403);
    await forged.arrayBuffer();
    // Sent straight to the server, the Host differs from the one signed.
    const direct = await fetch(get.url.replace(proxy.origin, env.endpoint));
    expect(direct.status).toBe(403);
    await direct.arrayBuffer();
    const put = await storage.signPut(`${prefix}typed`, { expiresIn: 300, contentType: "text/plain" });
    const wrongType = await fetch(put.url, { method: "PUT", headers: { "content-type": "text/html" }, body: "<b>x</b>" });
    expect(wrongType.status).toBe(403);
    await wrongType.arrayBuffer();
    expect(await storage.exists(`${prefix}typed`)).toBe(false);
  });
});
