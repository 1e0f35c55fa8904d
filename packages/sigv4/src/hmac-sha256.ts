import { Sha256 } from "@stowage/core";

/** The SHA-256 digest of `data` (32 bytes), through `@stowage/core`'s `Sha256`. Synchronous and web-standard. */
export function sha256(data: Uint8Array): Uint8Array {
  return new Sha256().update(data).digest();
}

// Scratch state for `sign`, shared by every key: signing is synchronous.
const running = new Sha256();
const innerDigest = new Uint8Array(32);

/**
 * An HMAC-SHA256 key with its inner and outer pad blocks already hashed, so
 * each signature costs only the message blocks plus two.
 */
export class HmacSha256Key {
  private readonly inner: Sha256;
  private readonly outer: Sha256;

  constructor(key: Uint8Array) {
    const block = new Uint8Array(64);
    block.set(key.byteLength > 64 ? sha256(key) : key);
    const pad = new Uint8Array(64);
    for (let i = 0; i < 64; i++) pad[i] = block[i] ^ 0x36;
    this.inner = new Sha256().update(pad);
    for (let i = 0; i < 64; i++) pad[i] = block[i] ^ 0x5c;
    this.outer = new Sha256().update(pad);
  }

  /** HMAC-SHA256 of `data[0..length)`, written to `out` (32 bytes). */
  sign(data: Uint8Array, length: number = data.byteLength, out: Uint8Array = new Uint8Array(32)): Uint8Array {
    this.inner.clone(running).update(data.subarray(0, length)).digest(innerDigest);
    return this.outer.clone(running).update(innerDigest).digest(out);
  }
}
