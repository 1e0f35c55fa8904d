import { describe, expect, it } from "vitest";
import { createHmacSigner, createHmacVerifier } from "../src/index.js";

const secrets = [
  { id: "new", secret: "core-part-test-secret-0123456789abcdef" },
  { id: "old", secret: "core-part-test-old-secret-0123456789ab" },
];
const now = new Date("2026-01-01T00:00:00Z");
const expiresAt = new Date(now.getTime() + 300_000);
const signer = createHmacSigner({ secrets, baseUrl: "https://files.example.com/__storage" });
const verifier = createHmacVerifier({ secrets });

async function signed(size?: number): Promise<URL> {
  const request = await signer.signUploadPart("videos/a b.mp4", "upload-1", 3, { expiresIn: 300, now, expiresAt, ...(size === undefined ? {} : { size }) });
  expect(request.method).toBe("PUT");
  expect(request.expiresAt).toEqual(expiresAt);
  return new URL(request.url);
}

const keyOf = (url: URL) => decodeURIComponent(url.pathname.slice("/__storage/".length));
const verifyPart = (url: URL, at = now.getTime(), key = keyOf(url)) => verifier.verifyPart(key, url.searchParams, at);

describe("HMAC upload-part URLs", () => {
  it("bind the key, upload id, part number, expiry and size", async () => {
    const url = await signed(5_242_880);
    expect(url.pathname).toBe("/__storage/videos/a%20b.mp4");
    expect(verifier.isPartUrl(url.searchParams)).toBe(true);
    const result = await verifyPart(url);
    expect(result).toEqual({
      ok: true,
      claims: { key: "videos/a b.mp4", uploadId: "upload-1", partNumber: 3, keyId: "new", expiresAt, size: 5_242_880 },
    });
    const unsized = await verifyPart(await signed());
    expect(unsized.ok && unsized.claims.size).toBeUndefined();
  });

  it.each<[string, (url: URL) => void]>([
    ["the part number", (url) => url.searchParams.set("part", "4")],
    ["the part number written another way", (url) => url.searchParams.set("part", "03")],
    ["the upload id", (url) => url.searchParams.set("upload-id", "upload-2")],
    ["the expiry", (url) => url.searchParams.set("expires", String(expiresAt.getTime() + 1000))],
    ["the key id", (url) => url.searchParams.set("kid", "old")],
    ["the size", (url) => url.searchParams.set("size", "5242881")],
    ["the size, removed", (url) => url.searchParams.delete("size")],
    ["the signature", (url) => url.searchParams.set("sig", "A".repeat(43))],
    ["an added parameter", (url) => url.searchParams.set("content-type", "text/html")],
    ["a repeated parameter", (url) => url.searchParams.append("part", "3")],
    ["the signature, removed", (url) => url.searchParams.delete("sig")],
  ])("refuse a change of %s", async (_name, change) => {
    const url = await signed(5_242_880);
    change(url);
    const result = await verifyPart(url);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toBe("signature");
  });

  it("refuse another key, and an unsized URL given a size", async () => {
    const url = await signed(5_242_880);
    expect((await verifyPart(url, now.getTime(), "videos/other.mp4")).ok).toBe(false);
    const unsized = await signed();
    unsized.searchParams.set("size", "1");
    expect((await verifyPart(unsized)).ok).toBe(false);
  });

  it("expire at expiresAt, and verify with an older secret", async () => {
    const url = await signed(10);
    expect((await verifyPart(url, expiresAt.getTime() - 1)).ok).toBe(true);
    const expired = await verifyPart(url, expiresAt.getTime());
    expect(!expired.ok && expired.reason).toBe("expired");
    const oldSigner = createHmacSigner({ secrets: [secrets[1]!], baseUrl: "https://files.example.com/__storage" });
    const old = new URL((await oldSigner.signUploadPart("k", "u", 1, { expiresIn: 300, now, expiresAt })).url);
    expect((await verifyPart(old)).ok).toBe(true);
    const stranger = createHmacVerifier({ secrets: [{ id: "new", secret: "another-secret-entirely-0123456789abcd" }] });
    expect((await stranger.verifyPart(keyOf(url), url.searchParams, now.getTime())).ok).toBe(false);
  });

  it("never verify as object URLs, nor object URLs as parts", async () => {
    const part = await signed(10);
    expect((await verifier.verify("PUT", keyOf(part), part.searchParams, now.getTime())).ok).toBe(false);
    const put = new URL((await signer.signPut("videos/a b.mp4", { expiresIn: 300, now, expiresAt, size: 10 })).url);
    expect(verifier.isPartUrl(put.searchParams)).toBe(false);
    expect((await verifier.verifyPart(keyOf(put), put.searchParams, now.getTime())).ok).toBe(false);
    // An object URL given an upload id and a part number is no part URL.
    put.searchParams.set("upload-id", "upload-1");
    put.searchParams.set("part", "3");
    expect((await verifier.verifyPart(keyOf(put), put.searchParams, now.getTime())).ok).toBe(false);
  });

  it("refuse to sign a bad upload id or part number", async () => {
    for (const [uploadId, partNumber] of [["", 1], ["a\nb", 1], ["u", 0], ["u", 1.5]] as const) {
      await expect(signer.signUploadPart("k", uploadId, partNumber, { expiresIn: 300, now, expiresAt })).rejects.toMatchObject({ code: "InvalidArgument" });
    }
  });
});
