import { describe, expect, it } from "vitest";
import { HmacKeyring, toBase64Url } from "../src/hmac-keyring.ts";

async function subtleHmac(secret: Uint8Array, text: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", secret as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toBase64Url(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text))));
}

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  return bytes;
}

describe("HmacKeyring", () => {
  it("equals crypto.subtle HMAC-SHA256 for secrets of 32, 63, 64, 65 and 200 bytes and messages of many lengths", async () => {
    for (const secretLength of [32, 63, 64, 65, 200]) {
      const secret = randomBytes(secretLength);
      const keyring = new HmacKeyring([{ id: "k", secret }]);
      for (const messageLength of [0, 1, 55, 56, 63, 64, 65, 119, 120, 300, 1000]) {
        const text = "é".repeat(Math.floor(messageLength / 2)) + "x".repeat(messageLength % 2);
        expect(await keyring.sign("k", text), `secret ${secretLength}, message ${messageLength}`).toBe(await subtleHmac(secret, text));
      }
    }
  });

  it("gives the same answer on repeated use (the cached pads are not consumed)", async () => {
    const keyring = new HmacKeyring([{ id: "k", secret: "s".repeat(40) }]);
    const first = await keyring.sign("k", "message");
    expect(await keyring.sign("k", "message")).toBe(first);
    expect(await keyring.sign("k", "other")).not.toBe(first);
  });

  it("signs with each secret by id and refuses an unknown id", async () => {
    const keyring = new HmacKeyring([{ id: "new", secret: "n".repeat(32) }, { id: "old", secret: "o".repeat(32) }]);
    expect(keyring.signingId).toBe("new");
    expect(await keyring.sign("old", "m")).toBe(await subtleHmac(new TextEncoder().encode("o".repeat(32)), "m"));
    await expect(keyring.sign("missing", "m")).rejects.toMatchObject({ code: "InvalidArgument" });
  });
});
