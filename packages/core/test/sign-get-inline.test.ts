import { describe, expect, it } from "vitest";
import { createHmacSigner, createHmacVerifier, createStorage, isActiveContentType, isStorageError, type StorageDriver } from "../src/index.js";
import { mapDriver } from "./map-driver.js";

const secrets = [{ id: "k1", secret: "core-test-secret-0123456789abcdef0123" }];
const now = new Date("2026-01-01T00:00:00Z");
const expiresAt = new Date(now.getTime() + 300_000);

describe("isActiveContentType", () => {
  it("treats only a small list of passive types as passive, by essence and case-insensitively", () => {
    for (const passive of ["image/png", "IMAGE/PNG", " image/jpeg ; q=1", "text/plain; charset=utf-8", "video/mp4", "audio/mpeg", "application/json"]) {
      expect(isActiveContentType(passive), passive).toBe(false);
    }
  });

  it("treats documents, script, XML of any flavour, unknown, malformed and missing types as active", () => {
    const active = [
      "text/html",
      "Text/HTML; charset=utf-8",
      "application/xhtml+xml",
      "image/svg+xml",
      "text/xml",
      "application/xml",
      "application/rss+xml",
      "application/xslt+xml",
      "text/xsl",
      "application/mathml+xml",
      "text/javascript",
      "application/javascript",
      "application/ecmascript",
      "text/css",
      "application/pdf",
      "application/octet-stream",
      "multipart/x-mixed-replace; boundary=x",
      "text/vtt",
      "image/png, text/html", // browsers take the last type of a list
      "image/png,",
      "image /png",
      "",
      "png",
      null,
      undefined,
    ];
    for (const type of active) expect(isActiveContentType(type), String(type)).toBe(true);
  });
});

describe("signGet inline", () => {
  const signer = createHmacSigner({ secrets, baseUrl: "https://files.example.com/__storage" });
  const verifier = createHmacVerifier({ secrets });

  it("carries inline in the signature: it cannot be added to, or removed from, a signed URL", async () => {
    const plain = new URL((await signer.signGet("k", { expiresIn: 300, now, expiresAt })).url).searchParams;
    const inline = new URL((await signer.signGet("k", { expiresIn: 300, now, expiresAt, inline: true })).url).searchParams;
    expect(plain.has("inline")).toBe(false);
    expect(inline.get("inline")).toBe("1");
    expect(await verifier.verify("GET", "k", plain, now.getTime())).toMatchObject({ ok: true, claims: { inline: false } });
    expect(await verifier.verify("GET", "k", inline, now.getTime())).toMatchObject({ ok: true, claims: { inline: true } });
    const added = new URLSearchParams(plain);
    added.set("inline", "1");
    expect(await verifier.verify("GET", "k", added, now.getTime())).toMatchObject({ ok: false, reason: "signature" });
    const removed = new URLSearchParams(inline);
    removed.delete("inline");
    expect(await verifier.verify("GET", "k", removed, now.getTime())).toMatchObject({ ok: false, reason: "signature" });
    const changed = new URLSearchParams(inline);
    changed.set("inline", "0");
    expect(await verifier.verify("GET", "k", changed, now.getTime())).toMatchObject({ ok: false, reason: "signature" });
  });

  it("keeps the signature of a URL without inline as it was before inline existed (outstanding URLs still verify)", async () => {
    const signed = new URL((await signer.signGet("a/b.png", { expiresIn: 300, now, expiresAt, downloadFilename: "b.png" })).url);
    const text = ["stowage-hmac-v1", "GET", "a/b.png", `+${expiresAt.getTime()}`, "+k1", "-", "-", "-", "-", "-", "+b.png", "-"].join("\n");
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secrets[0]!.secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text)));
    const expected = btoa(String.fromCharCode(...mac)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    expect(signed.searchParams.get("sig")).toBe(expected);
  });

  it("Storage.signGet passes inline: true to the driver, refuses a non-boolean and the combination with downloadFilename", async () => {
    const seen: unknown[] = [];
    const driver: StorageDriver = {
      ...mapDriver(),
      capabilities: { ...mapDriver().capabilities, signGet: true },
      async signGet(key, options) {
        seen.push(options.inline);
        return signer.signGet(key, options);
      },
    };
    const storage = createStorage(driver);
    await storage.signGet("k", { inline: true });
    await storage.signGet("k", { inline: false });
    await storage.signGet("k");
    expect(seen).toEqual([true, undefined, undefined]);
    for (const options of [{ inline: "yes" }, { inline: 1 }, { inline: true, downloadFilename: "a.html" }, { inlined: true }]) {
      const error = await storage.signGet("k", options as never).catch((caught: unknown) => caught);
      expect(isStorageError(error) && error.code, JSON.stringify(options)).toBe("InvalidArgument");
    }
  });
});
