import { describe, expect, it } from "vitest";
import { Sha256, sha256Hex, toHex } from "@stowage/core";

async function subtleHex(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)));
}

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += 65536) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(length, offset + 65536)));
  }
  return bytes;
}

/** Splits bytes into random pieces (including empty ones). */
function randomChunks(bytes: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const size = Math.floor(Math.random() * Math.min(200, bytes.length - offset + 1));
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  chunks.push(new Uint8Array(0));
  return chunks;
}

describe("Sha256", () => {
  it("matches known vectors", () => {
    expect(new Sha256().digestHex()).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(new Sha256().update(new TextEncoder().encode("abc")).digestHex()).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("matches crypto.subtle on random inputs of every length around the block boundaries", async () => {
    for (let length = 0; length <= 200; length++) {
      const bytes = randomBytes(length);
      expect(new Sha256().update(bytes).digestHex(), `length ${length}`).toBe(await subtleHex(bytes));
    }
  });

  it("matches crypto.subtle however the input is chunked", async () => {
    for (let round = 0; round < 60; round++) {
      const bytes = randomBytes(Math.floor(Math.random() * 5000));
      const hash = new Sha256();
      for (const chunk of randomChunks(bytes)) hash.update(chunk);
      expect(hash.digestHex()).toBe(await subtleHex(bytes));
    }
  });

  it("matches crypto.subtle on a 3 MiB input fed in odd-sized chunks", async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const hash = new Sha256();
    for (let offset = 0; offset < bytes.length; offset += 65521) hash.update(bytes.subarray(offset, offset + 65521));
    expect(hash.digestHex()).toBe(await subtleHex(bytes));
  });

  it("refuses use after the digest", () => {
    const hash = new Sha256();
    hash.digest();
    expect(() => hash.update(new Uint8Array(1))).toThrow();
    expect(() => hash.digest()).toThrow();
  });

  it("sha256Hex hashes a view, not its whole buffer", async () => {
    const buffer = randomBytes(100);
    const view = buffer.subarray(10, 30);
    expect(await sha256Hex(view)).toBe(new Sha256().update(view).digestHex());
    expect(await sha256Hex(view)).toBe(await subtleHex(view.slice()));
  });

  it("clone copies the state so far, into a new or a reused instance", async () => {
    for (const prefixLength of [0, 1, 63, 64, 65, 130]) {
      const prefix = randomBytes(prefixLength);
      const base = new Sha256().update(prefix);
      const reused = new Sha256().update(randomBytes(100));
      reused.digest(); // even a finished instance can receive a state
      for (const suffixLength of [0, 5, 64, 100]) {
        const suffix = randomBytes(suffixLength);
        const expected = await subtleHex(new Uint8Array([...prefix, ...suffix]));
        expect(base.clone().update(suffix).digestHex(), `${prefixLength}+${suffixLength}`).toBe(expected);
        expect(base.clone(reused), "clone(into) returns into").toBe(reused);
        expect(reused.update(suffix).digestHex(), `${prefixLength}+${suffixLength} reused`).toBe(expected);
      }
      expect(base.digestHex()).toBe(await subtleHex(prefix));
    }
  });

  it("digest writes into a given array of at least 32 bytes", async () => {
    const bytes = randomBytes(77);
    const out = new Uint8Array(40).fill(7);
    expect(new Sha256().update(bytes).digest(out)).toBe(out);
    expect(toHex(out.subarray(0, 32))).toBe(await subtleHex(bytes));
    expect(out.subarray(32)).toEqual(new Uint8Array(8).fill(7));
    expect(() => new Sha256().digest(new Uint8Array(31))).toThrow(RangeError);
  });

  it("toHex writes lowercase, two digits per byte", () => {
    expect(toHex(new Uint8Array([0, 1, 0xab, 0xff]))).toBe("0001abff");
  });
});
