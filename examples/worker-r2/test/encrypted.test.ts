// The Worker in encrypted mode (STORAGE_ENCRYPTION_KEYS set), inside workerd
// through its fetch handler: an upload through the gateway is stored as
// ciphertext in the R2 bucket (read here through the binding directly), a
// signed GET through the Worker answers the plaintext, ranges included, and a
// tampered stored byte answers 502 Corrupted.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker, { type Env } from "../src/worker.ts";

/** Two test keys (32 bytes each, base64), the first the primary. */
const encryptionKeys = `k2:${btoa("k2: a test key-encryption secret!")},k1:${btoa("k1: an older test key-encryption")}`;
const encryptedEnv = { ...(env as unknown as Env), STORAGE_ENCRYPTION_KEYS: encryptionKeys } as Env;
const bucket = encryptedEnv.BUCKET;
const origin = "https://vault.example.com";
const segment = 65_536;
const header = [0x53, 0x54, 0x57, 0x45]; // "STWE"

interface Signed {
  url: string;
  method: string;
  headers: Record<string, string>;
}

async function call(path: string, init: RequestInit & { cookie?: string } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set("cookie", init.cookie);
  if (init.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  const url = path.startsWith("http") ? path : `${origin}${path}`;
  return worker.fetch(new Request(url, { ...init, headers }), encryptedEnv);
}

/** A PNG signature followed by a recognisable text pattern: 2.5 segments (three segments stored). */
function plaintextImage(): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(2 * segment + segment / 2);
  const pattern = new TextEncoder().encode("CONFIDENTIAL-PLAINTEXT-");
  for (let index = 0; index < bytes.length; index++) bytes[index] = pattern[index % pattern.length]!;
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0);
  return bytes;
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let start = 0; start + needle.length <= haystack.length; start++) {
    for (let index = 0; index < needle.length; index++) if (haystack[start + index] !== needle[index]) continue outer;
    return true;
  }
  return false;
}

/** Signs in, uploads `body` through the Worker's signed URL, commits it and returns its key and signed GET URL. */
async function uploadThroughWorker(name: string, body: Uint8Array<ArrayBuffer>): Promise<{ key: string; url: string }> {
  const login = await call("/api/login", { method: "POST", body: JSON.stringify({ name }) });
  expect(login.status).toBe(200);
  const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
  const presign = await call("/api/uploads/presign", { method: "POST", cookie, body: JSON.stringify({ filename: "secret.png", contentType: "image/png", size: body.length }) });
  expect(presign.status).toBe(200);
  const { key, upload } = (await presign.json()) as { key: string; upload: Signed };
  const put = await worker.fetch(
    new Request(upload.url, { method: upload.method, headers: { ...upload.headers, "content-length": String(body.length) }, body }),
    encryptedEnv,
  );
  expect(put.status, await put.clone().text()).toBe(200);
  const commit = await call("/api/uploads/commit", { method: "POST", cookie, body: JSON.stringify({ key }) });
  expect(commit.status, await commit.clone().text()).toBe(200);
  const avatar = await call("/api/me/avatar", { cookie });
  expect(avatar.status).toBe(200);
  const { url } = (await avatar.json()) as { url: string };
  return { key, url };
}

describe("worker-r2 encrypted mode (STORAGE_ENCRYPTION_KEYS)", () => {
  it("stores an upload through the Worker as ciphertext in R2, and a signed GET answers the plaintext, ranges included", async () => {
    const image = plaintextImage();
    const { key, url } = await uploadThroughWorker("Erin", image);

    // In the bucket itself: the format's header, no plaintext, the encrypted size.
    const stored = await bucket.get(key);
    expect(stored).not.toBeNull();
    const ciphertext = new Uint8Array(await stored!.arrayBuffer());
    expect([...ciphertext.subarray(0, 4)]).toEqual(header);
    expect(ciphertext.length).toBe(8 + image.length + 3 * 16);
    expect(contains(ciphertext, new TextEncoder().encode("CONFIDENTIAL-PLAINTEXT-"))).toBe(false);
    expect(stored!.customMetadata?.["stowage-enc"]).toMatch(/^1\.k2\./);

    // Through the Worker: the whole plaintext, with its plaintext size.
    const whole = await call(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe("image/png");
    expect(whole.headers.get("content-length")).toBe(String(image.length));
    expect(new Uint8Array(await whole.arrayBuffer())).toEqual(image);

    // Ranges: across the first segment edge, one byte at the start of the last segment, a suffix.
    const ranges: [string, number, number][] = [
      [`bytes=${segment - 3}-${segment + 4}`, segment - 3, segment + 5],
      [`bytes=${2 * segment}-${2 * segment}`, 2 * segment, 2 * segment + 1],
      ["bytes=-10", image.length - 10, image.length],
    ];
    for (const [range, start, end] of ranges) {
      const partial = await call(url, { headers: { range } });
      expect(partial.status, range).toBe(206);
      expect(partial.headers.get("content-range"), range).toBe(`bytes ${start}-${end - 1}/${image.length}`);
      expect(new Uint8Array(await partial.arrayBuffer()), range).toEqual(image.subarray(start, end));
    }
  });

  it("a tampered stored byte answers 502 Corrupted through the Worker, never the plaintext", async () => {
    const image = plaintextImage();
    const { key, url } = await uploadThroughWorker("Frank", image);
    const stored = await bucket.get(key);
    const bytes = new Uint8Array(await stored!.arrayBuffer());
    // Flip one byte of the second segment's ciphertext, keeping the metadata.
    bytes[8 + segment + 16 + 100]! ^= 0x01;
    await bucket.put(key, bytes, { httpMetadata: stored!.httpMetadata, customMetadata: stored!.customMetadata });

    const ranged = await call(url, { headers: { range: `bytes=${segment + 50}-${segment + 150}` } });
    expect(ranged.status).toBe(502);
    expect(((await ranged.json()) as { error?: { code?: string } }).error?.code).toBe("Corrupted");

    // The whole object: its first segment is sound, so the answer has begun
    // (200) when the second fails; the body then errors, and nothing of the
    // tampered segment or after it is delivered.
    const whole = await call(url);
    expect(whole.status).toBe(200);
    const reader = whole.body!.getReader();
    let delivered = 0;
    await expect(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          delivered += value.length;
        }
      })(),
    ).rejects.toThrow();
    expect(delivered).toBeLessThanOrEqual(segment);

    // A tampered first segment: 502 before any byte.
    bytes[8 + 200]! ^= 0x01;
    await bucket.put(key, bytes, { httpMetadata: stored!.httpMetadata, customMetadata: stored!.customMetadata });
    const first = await call(url);
    expect(first.status).toBe(502);
    expect(((await first.json()) as { error?: { code?: string } }).error?.code).toBe("Corrupted");
  });

  it("a malformed STORAGE_ENCRYPTION_KEYS answers 500 InvalidEncryptionKeys, never echoing a secret", async () => {
    const badEnv = { ...encryptedEnv, STORAGE_ENCRYPTION_KEYS: "k1:c2hvcnQtc2VjcmV0" } as Env; // "short-secret": under 32 bytes
    const response = await worker.fetch(new Request(`${origin}/api/me`), badEnv);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text).error.code).toBe("InvalidEncryptionKeys");
    expect(text).not.toContain("short-secret");
    expect(text).not.toContain("c2hvcnQtc2VjcmV0");
  });
});
