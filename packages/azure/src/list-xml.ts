/**
 * The few pieces of XML the Blob service answers with, read with regular
 * expressions over its fixed, flat shapes (no XML parser dependency).
 */

/** The text of every `<tag>...</tag>` (or `<tag attr>...</tag>`) in `xml`, with its attributes. */
export function elements(xml: string, tag: string): { attributes: string; inner: string }[] {
  const found: { attributes: string; inner: string }[] = [];
  const pattern = new RegExp(`<${tag}(\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${tag}>)`, "g");
  for (const match of xml.matchAll(pattern)) found.push({ attributes: match[1] ?? "", inner: match[2] ?? "" });
  return found;
}

/** The decoded text of the first `<tag>` in `xml`, or undefined. */
export function text(xml: string, tag: string): string | undefined {
  const element = elements(xml, tag)[0];
  if (element === undefined) return undefined;
  const decoded = decodeEntities(element.inner);
  // A name with characters XML cannot carry comes percent-encoded, marked Encoded="true".
  return /\bEncoded="true"/.test(element.attributes) ? decodeURIComponent(decoded) : decoded;
}

/** Decodes the five named entities and numeric character references. */
export function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (_, entity: string) => {
    if (entity.startsWith("#x")) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" }[entity as "lt"];
  });
}
