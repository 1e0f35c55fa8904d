/** The first 32 bits of the fractional parts of the `root`-th roots of the first `count` primes (FIPS 180-4, 4.2.2 and 5.3.3). */
function primeRootFractions(count: number, root: number): Int32Array {
  const out = new Int32Array(count);
  for (let candidate = 2, found = 0; found < count; candidate++) {
    let prime = true;
    for (let divisor = 2; divisor * divisor <= candidate; divisor++) if (candidate % divisor === 0) prime = false;
    if (prime) out[found++] = (candidate ** (1 / root) % 1) * 0x100000000;
  }
  return out;
}

/** The SHA-256 round constants: cube roots of the first 64 primes (FIPS 180-4, 4.2.2). */
const roundConstants = primeRootFractions(64, 3);

/** The SHA-256 initial hash value: square roots of the first 8 primes (FIPS 180-4, 5.3.3). */
const initialState = primeRootFractions(8, 2);

/** The message schedule, shared: `compress` is synchronous and never re-entered. */
const words = new Int32Array(64);

/**
 * Incremental SHA-256 in plain JavaScript. `crypto.subtle.digest` cannot hash
 * a stream piece by piece, and Stowage must verify a streamed body without
 * holding it in memory.
 */
export class Sha256 {
  // Int32Array, not Uint32Array: reading words above 2^31 would leave V8's small-integer fast path.
  private readonly state = new Int32Array(initialState);
  private readonly block = new Uint8Array(64);
  private blockLength = 0;
  private totalLength = 0;
  private finished = false;

  update(data: Uint8Array): this {
    if (this.finished) throw new Error("Sha256: update after digest");
    this.totalLength += data.byteLength;
    let offset = 0;
    if (this.blockLength > 0) {
      const take = Math.min(64 - this.blockLength, data.byteLength);
      this.block.set(data.subarray(0, take), this.blockLength);
      this.blockLength += take;
      offset = take;
      if (this.blockLength === 64) {
        compress(this.state, this.block, 0);
        this.blockLength = 0;
      }
    }
    while (data.byteLength - offset >= 64) {
      compress(this.state, data, offset);
      offset += 64;
    }
    if (offset < data.byteLength) {
      this.block.set(data.subarray(offset), 0);
      this.blockLength = data.byteLength - offset;
    }
    return this;
  }

  /**
   * An independent copy of the state so far (for example an HMAC key's
   * pre-hashed pad). With `into`, the state is written into that instance
   * (whatever it held before) and `into` is returned, so a hot loop can
   * reuse one instance instead of allocating a copy each time.
   */
  clone(into: Sha256 = new Sha256()): Sha256 {
    const copy = into;
    copy.state.set(this.state);
    // Bytes past blockLength are never read, so only the pending ones are copied.
    if (this.blockLength > 0) copy.block.set(this.block.subarray(0, this.blockLength));
    copy.blockLength = this.blockLength;
    copy.totalLength = this.totalLength;
    copy.finished = this.finished;
    return copy;
  }

  /** The 32-byte digest, written to `out` when given (else a new array); ends this hash. */
  digest(out: Uint8Array = new Uint8Array(32)): Uint8Array {
    if (this.finished) throw new Error("Sha256: digest called twice");
    if (out.byteLength < 32) throw new RangeError("Sha256: digest needs 32 bytes of output");
    this.finished = true;
    const bitLength = this.totalLength * 8;
    this.block[this.blockLength++] = 0x80;
    if (this.blockLength > 56) {
      this.block.fill(0, this.blockLength);
      compress(this.state, this.block, 0);
      this.blockLength = 0;
    }
    this.block.fill(0, this.blockLength);
    writeWord(this.block, 56, Math.floor(bitLength / 0x100000000));
    writeWord(this.block, 60, bitLength);
    compress(this.state, this.block, 0);
    for (let index = 0; index < 8; index++) writeWord(out, index * 4, this.state[index]!);
    return out;
  }

  digestHex(): string {
    return toHex(this.digest());
  }
}

/** Runs the SHA-256 compression function over the 64-byte block at `data[offset]`, updating `s`. */
function compress(s: Int32Array, data: Uint8Array, offset: number): void {
  const w = words;
  for (let index = 0; index < 16; index++) {
    const at = offset + index * 4;
    w[index] = (data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!;
  }
  for (let index = 16; index < 64; index++) {
    const a = w[index - 15]!;
    const b = w[index - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    w[index] = (w[index - 16]! + s0 + w[index - 7]! + s1) | 0;
  }
  let a = s[0]!, b = s[1]!, c = s[2]!, d = s[3]!, e = s[4]!, f = s[5]!, g = s[6]!, h = s[7]!;
  for (let index = 0; index < 64; index++) {
    const sum1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const choose = (e & f) ^ (~e & g);
    const t1 = (h + sum1 + choose + roundConstants[index]! + w[index]!) | 0;
    const sum0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const majority = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (sum0 + majority) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  s[0] = (s[0]! + a) | 0;
  s[1] = (s[1]! + b) | 0;
  s[2] = (s[2]! + c) | 0;
  s[3] = (s[3]! + d) | 0;
  s[4] = (s[4]! + e) | 0;
  s[5] = (s[5]! + f) | 0;
  s[6] = (s[6]! + g) | 0;
  s[7] = (s[7]! + h) | 0;
}


/** Writes a 32-bit word big-endian. */
function writeWord(bytes: Uint8Array, offset: number, word: number): void {
  bytes[offset] = word >>> 24;
  bytes[offset + 1] = word >>> 16;
  bytes[offset + 2] = word >>> 8;
  bytes[offset + 3] = word;
}

const hexTable: string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/** Lowercase hex of some bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (let index = 0; index < bytes.length; index++) out += hexTable[bytes[index]!]!;
  return out;
}

/** Hex SHA-256 of bytes, through `crypto.subtle`. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return toHex(new Uint8Array(digest));
}
