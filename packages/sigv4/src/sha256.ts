const roundConstants = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** The SHA-256 initial hash value (FIPS 180-4, 5.3.3). */
export const sha256InitialState: Readonly<Int32Array> = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

const words = new Int32Array(64);
const tail = new Uint8Array(128);

/** Runs the SHA-256 compression function over one 64-byte block, updating `state`. */
export function compressBlock(state: Int32Array, data: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    words[i] = (data[j] << 24) | (data[j + 1] << 16) | (data[j + 2] << 8) | data[j + 3];
  }
  for (let i = 16; i < 64; i++) {
    const w15 = words[i - 15];
    const w2 = words[i - 2];
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    words[i] = (words[i - 16] + s0 + words[i - 7] + s1) | 0;
  }
  let a = state[0];
  let b = state[1];
  let c = state[2];
  let d = state[3];
  let e = state[4];
  let f = state[5];
  let g = state[6];
  let h = state[7];
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const choice = (e & f) ^ (~e & g);
    const t1 = (h + s1 + choice + roundConstants[i] + words[i]) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const majority = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (s0 + majority) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0] + a) | 0;
  state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0;
  state[3] = (state[3] + d) | 0;
  state[4] = (state[4] + e) | 0;
  state[5] = (state[5] + f) | 0;
  state[6] = (state[6] + g) | 0;
  state[7] = (state[7] + h) | 0;
}

/**
 * Finishes a SHA-256 whose first `prefixLength` bytes (a multiple of 64) are
 * already folded into `startState`: hashes `data[0..length)` and the padding,
 * and writes the 32-byte digest to `out`. `startState` is not changed.
 */
export function sha256Finish(
  startState: Readonly<Int32Array>,
  prefixLength: number,
  data: Uint8Array,
  length: number,
  out: Uint8Array,
): Uint8Array {
  const state = new Int32Array(startState);
  const fullBlocks = length >>> 6;
  for (let block = 0; block < fullBlocks; block++) compressBlock(state, data, block * 64);
  const rest = length - fullBlocks * 64;
  tail.fill(0);
  tail.set(data.subarray(fullBlocks * 64, length));
  tail[rest] = 0x80;
  const tailLength = rest < 56 ? 64 : 128;
  const bits = (prefixLength + length) * 8;
  const high = Math.floor(bits / 0x100000000);
  const low = bits >>> 0;
  tail[tailLength - 8] = high >>> 24;
  tail[tailLength - 7] = high >>> 16;
  tail[tailLength - 6] = high >>> 8;
  tail[tailLength - 5] = high;
  tail[tailLength - 4] = low >>> 24;
  tail[tailLength - 3] = low >>> 16;
  tail[tailLength - 2] = low >>> 8;
  tail[tailLength - 1] = low;
  compressBlock(state, tail, 0);
  if (tailLength === 128) compressBlock(state, tail, 64);
  for (let i = 0; i < 8; i++) {
    const word = state[i];
    out[i * 4] = word >>> 24;
    out[i * 4 + 1] = word >>> 16;
    out[i * 4 + 2] = word >>> 8;
    out[i * 4 + 3] = word;
  }
  return out;
}

/** The SHA-256 digest of `data` (32 bytes). Synchronous and web-standard. */
export function sha256(data: Uint8Array): Uint8Array {
  return sha256Finish(sha256InitialState, 0, data, data.byteLength, new Uint8Array(32));
}
