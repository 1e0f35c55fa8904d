import { describe, expect, it } from "vitest";
import { createStorage } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { createSignedUrlHandler, type SignedUrlHandler } from "@stowage/http";
import { serveHandler } from "@stowage/http/node";
import { recordField, withEncryption } from "@stowage/encryption";
import { S, pattern, testKeys } from "./encryption-helpers.js";

const secrets = [{ id: "g", secret: "gateway-test-secret-0123456789abcdef" }];

describe("gateway signed URLs over an encrypted storage", () => {
  it("a signed upload is stored encrypted, and a signed ranged download is decrypted", async () => {
    let handler: SignedUrlHandler | undefined;
    const server = await serveHandler((request) => handler!(request));
    try {
      const inner = memoryDriver();
      const storage = createStorage(withEncryption(inner, { keyring: testKeys, signing: { secrets, baseUrl: `${server.url}/__storage` } }));
      handler = createSignedUrlHandler(storage, { secrets, basePath: "/__storage" });
      const body = pattern(2 * S + 7);
      const put = await storage.signPut("up/file.bin", { contentType: "application/octet-stream", maxSize: 1024 * 1024, oneTime: true });
      const uploaded = await fetch(put.url, { method: put.method, headers: put.headers, body: body as Uint8Array<ArrayBuffer> });
      expect(uploaded.status).toBeLessThan(300);
      const stored = (await createStorage(inner).get("up/file.bin"))!;
      expect(stored.size).toBe(8 + body.length + 48);
      expect(stored.metadata[recordField]).toMatch(/^1\.k1\./);
      const storedBytes = await stored.bytes();
      expect(Buffer.from(storedBytes).includes(Buffer.from(body.subarray(100, 132)))).toBe(false);
      const get = await storage.signGet("up/file.bin");
      const ranged = await fetch(get.url, { headers: { range: `bytes=${S - 2}-${S + 1}` } });
      expect(ranged.status).toBe(206);
      expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(body.subarray(S - 2, S + 2));
      const whole = await fetch(get.url);
      expect(whole.headers.get("content-length")).toBe(String(body.length));
      expect(new Uint8Array(await whole.arrayBuffer())).toEqual(body);
    } finally {
      await server.close();
    }
  });
});
