/**
 * Compares two strings by their UTF-8 bytes, the order S3 lists in.
 * JavaScript's `<` compares UTF-16 code units, which puts characters above
 * U+FFFF (surrogate pairs, 0xD800-0xDFFF) before U+E000-U+FFFF; UTF-8 byte
 * order equals code point order, which puts them after.
 */
export function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) {
      // A surrogate stands for a code point above U+FFFF: above anything else
      // that is at least U+D800.
      if (xSurrogate) return y >= 0xe000 ? 1 : x - y;
      return x >= 0xe000 ? -1 : x - y;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** The number of bytes `text` takes in UTF-8 (a lone surrogate counts 3). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        index++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
