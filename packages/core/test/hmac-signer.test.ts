import { describe, expect, it } from "vitest";
import { createHmacSigner, createHmacVerifier, hmacSignerCapabilities, toUrlSigner, type UrlSigner } from "../src/index.js";

const secrets = [{ id: "k1", secret: "core-test-secret-0123456789abcdef0123" }];
const now = new Date("2026-01-01T00:00:00Z");
const expiresAt = new Date(now.getTime() + 300_000);

describe("createHmacSigner", () => {
  it("mints <baseUrl>/<encoded key>?params&sig and claims every signing capability", async () => {
    const signer = createHmacSigner({ secrets, baseUrl: "https://files.example.com/__storage/" });
    const signed = await signer.signPut("a b/c%2F.png", { expiresIn: 300, now, expiresAt, contentType: "image/png", maxSize: 10 });
    const url = new URL(signed.url);
    expect(url.origin + url.pathname).toBe("https://files.example.com/__storage/a%20b/c%252F.png");
    expect([...url.searchParams.keys()]).toEqual(["expires", "kid", "content-type", "max-size", "sig"]);
    expect(url.searchParams.get("expires")).toBe(String(expiresAt.getTime()));
    expect(signed.headers).toEqual({ "content-type": "image/png" });
    expect(signed.method).toBe("PUT");
    expect(signed.expiresAt.getTime()).toBe(expiresAt.getTime());
    expect(signer.capabilities).toEqual(hmacSignerCapabilities);
    expect(Object.keys(hmacSignerCapabilities).sort()).toEqual(
      ["signGet", "signGetExpiry", "signPut", "signPutContentType", "signPutIfNotExists", "signPutMaxSize", "signPutOneTime", "signPutSize"],
    );
  });

  it("gives each one-time URL its own nonce", async () => {
    const signer = createHmacSigner({ secrets, baseUrl: "https://f.example.com" });
    const options = { expiresIn: 300, now, expiresAt, oneTime: true };
    const [a, b] = await Promise.all([signer.signPut("k", options), signer.signPut("k", options)]);
    const nonceA = new URL(a.url).searchParams.get("nonce");
    expect(nonceA).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(nonceA).not.toBe(new URL(b.url).searchParams.get("nonce"));
  });

  it("refuses bad secrets and base URLs", () => {
    const make = (options: unknown) => () => createHmacSigner(options as never);
    expect(make({ secrets: [], baseUrl: "https://f.example.com" })).toThrow(/non-empty/);
    expect(make({ secrets: [{ id: "k", secret: "too short" }], baseUrl: "https://f.example.com" })).toThrow(/at least 32/);
    expect(make({ secrets: [secrets[0], secrets[0]], baseUrl: "https://f.example.com" })).toThrow(/twice/);
    expect(make({ secrets: [{ id: "a b", secret: secrets[0]!.secret }], baseUrl: "https://f.example.com" })).toThrow(/id/);
    expect(make({ secrets, baseUrl: "/relative" })).toThrow(/baseUrl/);
    expect(make({ secrets, baseUrl: "https://f.example.com/?x=1" })).toThrow(/baseUrl/);
  });
});

describe("createHmacVerifier", () => {
  const signer = createHmacSigner({ secrets, baseUrl: "https://f.example.com" });
  const verifier = createHmacVerifier({ secrets });

  it("returns the signed claims, and refuses expiry, another method, key or value", async () => {
    const signed = await signer.signPut("k", { expiresIn: 300, now, expiresAt, size: 5, ifNotExists: true });
    const params = new URL(signed.url).searchParams;
    const result = await verifier.verify("PUT", "k", params, now.getTime());
    expect(result).toEqual({
      ok: true,
      claims: { method: "PUT", key: "k", keyId: "k1", expiresAt, size: 5, ifNotExists: true, inline: false },
    });
    expect((await verifier.verify("PUT", "k", params, expiresAt.getTime())) as unknown).toMatchObject({ ok: false, reason: "expired" });
    expect(await verifier.verify("GET", "k", params, now.getTime())).toMatchObject({ ok: false, reason: "signature" });
    expect(await verifier.verify("PUT", "j", params, now.getTime())).toMatchObject({ ok: false, reason: "signature" });
    const changed = new URLSearchParams(params);
    changed.set("size", "6");
    expect(await verifier.verify("PUT", "k", changed, now.getTime())).toMatchObject({ ok: false, reason: "signature" });
    const withBreak = new URLSearchParams(params);
    withBreak.set("content-type", "a\n+b");
    expect(await verifier.verify("PUT", "k", withBreak, now.getTime())).toMatchObject({ ok: false, reason: "signature" });
  });
});

describe("toUrlSigner", () => {
  it("accepts a UrlSigner or HMAC options, and nothing else", () => {
    const signer: UrlSigner = createHmacSigner({ secrets, baseUrl: "https://f.example.com" });
    expect(toUrlSigner(signer)).toBe(signer);
    expect(typeof toUrlSigner({ secrets, baseUrl: "https://f.example.com" }).signGet).toBe("function");
    expect(() => toUrlSigner({} as never)).toThrow(/UrlSigner/);
  });
});
