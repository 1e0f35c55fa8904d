/** The format version this package writes and reads. */
export const formatVersion = 1;

const header = new Uint8Array([0x53, 0x54, 0x57, 0x45, 0x01, 0x10, 0x00, 0x00]);

/** The 8-byte body header, a fresh copy: "STWE", version 0x01, segment size code 0x10 (2^16), two reserved zeros. It is also every segment's AAD. */
export function formatHeader(): Uint8Array {
  return header.slice();
}

/** The header itself, for AAD (never handed out). */
export const headerAad: Uint8Array = header;

/** The 12-byte nonce of segment `index`: u64 big-endian index, three zero bytes, then 0x01 for the last segment else 0x00. */
export function segmentNonce(index: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(12);
  const view = new DataView(nonce.buffer);
  view.setUint32(0, Math.floor(index / 2 ** 32));
  view.setUint32(4, index >>> 0);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** True when `bytes` starts with the header. */
export function hasFormatHeader(bytes: Uint8Array): boolean {
  if (bytes.length < header.length) return false;
  for (let index = 0; index < header.length; index++) if (bytes[index] !== header[index]) return false;
  return true;
}
