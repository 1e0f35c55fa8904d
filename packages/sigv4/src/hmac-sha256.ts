import { compressBlock, sha256, sha256Finish, sha256InitialState } from "./sha256.js";

/**
 * An HMAC-SHA256 key with its inner and outer pad blocks already hashed, so
 * each signature costs only the message blocks plus two.
 */
export class HmacSha256Key {
  private readonly innerState: Int32Array;
  private readonly outerState: Int32Array;
  private readonly innerDigest = new Uint8Array(32);

  constructor(key: Uint8Array) {
    const block = new Uint8Array(64);
    block.set(key.byteLength > 64 ? sha256(key) : key);
    const pad = new Uint8Array(64);
    this.innerState = new Int32Array(sha256InitialState);
    for (let i = 0; i < 64; i++) pad[i] = block[i] ^ 0x36;
    compressBlock(this.innerState, pad, 0);
    this.outerState = new Int32Array(sha256InitialState);
    for (let i = 0; i < 64; i++) pad[i] = block[i] ^ 0x5c;
    compressBlock(this.outerState, pad, 0);
  }

  /** HMAC-SHA256 of `data[0..length)`, written to `out` (32 bytes). */
  sign(data: Uint8Array, length: number = data.byteLength, out: Uint8Array = new Uint8Array(32)): Uint8Array {
    sha256Finish(this.innerState, 64, data, length, this.innerDigest);
    return sha256Finish(this.outerState, 64, this.innerDigest, 32, out);
  }
}
