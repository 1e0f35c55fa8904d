import { createStorage } from "@stowage/core";
import { describe, expect, it } from "vitest";
import { r2Presigner } from "../src/r2-presigner.ts";
import { r2Driver } from "../src/r2-driver.ts";

// The native presigner's URLs against a real SigV4 server: the local Ceph RGW
// (scripts/ceph/start.sh; scripts/test.sh exports S3_ENDPOINT and friends).
const endpoint = process.env.S3_ENDPOINT;
const inCi = process.env.CI === "true";

if (endpoint === undefined && inCi) {
  throw new Error("S3_ENDPOINT is not set, and CI=true forbids skipping the RGW presign tests");
}
if (endpoint === undefined) {
  console.warn("!!! S3_ENDPOINT is not set: the r2 presign tests against Ceph RGW are SKIPPED (see scripts/ceph/README.md) !!!");
}

describe.skipIf(endpoint === undefined)("r2Presigner URLs are accepted by Ceph RGW", () => {
  if (endpoint === undefined) {
    it.skip("[skipped: S3_ENDPOINT is not set]", () => {});
    return;
  }
  const signer = r2Presigner({
    endpoint,
    bucketName: process.env.S3_BUCKET ?? "stowage-test",
    region: process.env.S3_REGION ?? "us-east-1",
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "",
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "",
  });
  // A driver whose binding is never touched: only its signing is used here.
  const storage = createStorage(r2Driver({ bucket: { head: async () => null } as never, signing: signer }));
  const prefix = `r2-presign/${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}/`;

  async function upload(key: string, body: string, options: { contentType?: string; size?: number } = {}, send?: Record<string, string>) {
    const signed = await storage.signPut(key, options);
    return fetch(signed.url, { method: signed.method, headers: send ?? signed.headers, body });
  }

  it("PUT then GET round-trips a key with special characters", async () => {
    const key = `${prefix}dir/a b+c%2F~é😀 'q' (1).txt`;
    const put = await upload(key, "hello rgw", { contentType: "text/plain" });
    expect(put.status).toBe(200);
    const signed = await storage.signGet(key);
    const get = await fetch(signed.url);
    expect(get.status).toBe(200);
    expect(await get.text()).toBe("hello rgw");
    expect(get.headers.get("content-type")).toBe("text/plain");
  });

  it("the signed Content-Type is enforced", async () => {
    const key = `${prefix}typed`;
    expect((await upload(key, "x", { contentType: "image/png" }, { "content-type": "text/html" })).status).toBe(403);
    expect((await upload(key, "x", { contentType: "image/png" }, {})).status).toBe(403);
    expect((await fetch((await storage.signGet(key)).url)).status).toBe(404);
  });

  it("the signed size is enforced", async () => {
    const key = `${prefix}sized`;
    expect((await upload(key, "12345", { size: 4 })).status).toBe(403);
    expect((await upload(key, "1234", { size: 4 })).status).toBe(200);
  });

  it("a tampered or expired URL gives 403", async () => {
    const key = `${prefix}tamper`;
    expect((await upload(key, "data")).status).toBe(200);
    const signed = await storage.signGet(key);
    expect((await fetch(signed.url)).status).toBe(200);
    expect((await fetch(signed.url.replace("tamper?", "tampeR?"))).status).toBe(403);
    expect((await fetch(signed.url.replace(/X-Amz-Expires=\d+/, "X-Amz-Expires=600"))).status).toBe(403);
    expect((await fetch(signed.url.replace(/X-Amz-Signature=[0-9a-f]/, "X-Amz-Signature=x"))).status).toBe(403);
    expect((await fetch(signed.url, { method: "DELETE" })).status).toBe(403);
    const past = createStorage(r2Driver({ bucket: { head: async () => null } as never, signing: signer }), { clock: () => Date.now() - 3_600_000 });
    const expired = await past.signGet(key, { expiresIn: 60 });
    expect((await fetch(expired.url)).status).toBe(403);
  });

  it("a GET is served as an attachment unless signed inline, and the disposition cannot be stripped", async () => {
    const key = `${prefix}page.html`;
    expect((await upload(key, "<script>1</script>", { contentType: "text/html" })).status).toBe(200);
    const plain = await fetch((await storage.signGet(key)).url);
    expect(plain.status).toBe(200);
    expect(plain.headers.get("content-disposition")).toBe("attachment");
    const inline = await fetch((await storage.signGet(key, { inline: true })).url);
    expect(inline.status).toBe(200);
    expect(inline.headers.get("content-disposition")).toBeNull();
    const stripped = new URL((await storage.signGet(key)).url);
    stripped.searchParams.delete("response-content-disposition");
    expect((await fetch(stripped)).status).toBe(403);
  });

  it("a download name and a response type are served", async () => {
    const key = `${prefix}named`;
    expect((await upload(key, "pdf bytes", { contentType: "application/pdf" })).status).toBe(200);
    const signed = await storage.signGet(key, { downloadFilename: "Grüße.pdf", responseContentType: "application/x-test" });
    const get = await fetch(signed.url);
    expect(get.status).toBe(200);
    expect(get.headers.get("content-type")).toBe("application/x-test");
    expect(get.headers.get("content-disposition")).toBe(`attachment; filename="Gru_e.pdf"; filename*=UTF-8''Gr%C3%BC%C3%9Fe.pdf`);
  });
});
