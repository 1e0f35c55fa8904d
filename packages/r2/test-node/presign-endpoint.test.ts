import { isStorageError } from "@stowage/core";
import { describe, expect, it } from "vitest";
import { r2Presigner } from "../src/r2-presigner.ts";

// R2 presigned URLs work only on the S3 API domain: a custom domain (or
// r2.dev) as the endpoint is refused when the presigner is made, not when a
// browser gets a 403.
const base = { bucketName: "b", accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };
const now = new Date("2026-01-02T03:04:05Z");
const signOptions = { expiresIn: 60, now, expiresAt: new Date(now.getTime() + 60_000) };

describe("r2Presigner endpoint", () => {
  it.each([
    "https://files.example.com",
    "https://cdn.example.com/assets",
    "https://pub-0123456789abcdef.r2.dev",
    "http://pub-0123456789abcdef.r2.dev",
    "https://r2.cloudflarestorage.com.example.com",
    "https://evilr2.cloudflarestorage.com.attacker.net",
    "ftp://0123.r2.cloudflarestorage.com",
  ])("refuses %s with InvalidArgument naming the S3 API domain and the gateway mode", (endpoint) => {
    let thrown: unknown;
    try {
      r2Presigner({ ...base, endpoint });
    } catch (error) {
      thrown = error;
    }
    expect(isStorageError(thrown, "InvalidArgument"), String(thrown)).toBe(true);
    expect((thrown as Error).message).toMatch(/r2\.cloudflarestorage\.com|https:\/\/ URL of R2's S3 API/);
    if (!endpoint.startsWith("ftp:")) expect((thrown as Error).message).toMatch(/createHmacSigner/);
  });

  it.each([
    ["https://0123456789abcdef.r2.cloudflarestorage.com", "https://0123456789abcdef.r2.cloudflarestorage.com/b/k"],
    ["https://0123456789abcdef.eu.r2.cloudflarestorage.com", "https://0123456789abcdef.eu.r2.cloudflarestorage.com/b/k"],
    ["http://127.0.0.1:9000", "http://127.0.0.1:9000/b/k"],
    ["http://minio:9000", "http://minio:9000/b/k"],
  ])("accepts %s", async (endpoint, prefix) => {
    const signed = await r2Presigner({ ...base, endpoint }).signGet("k", signOptions);
    expect(signed.url.startsWith(`${prefix}?`)).toBe(true);
  });

  it("builds the S3 API domain from accountId", async () => {
    const signed = await r2Presigner({ ...base, accountId: "abc123" }).signPut("k", signOptions);
    expect(signed.url.startsWith("https://abc123.r2.cloudflarestorage.com/b/k?")).toBe(true);
  });
});
