/** A Uint8Array as the `BufferSource` Web Crypto takes (never a SharedArrayBuffer here). */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>;
}
