/**
 * Azure metadata names must be C# identifiers (letters, digits and `_`, not
 * starting with a digit) and compare case-insensitively. Stowage keys are
 * `[a-z0-9-]+`. The mapping is `"m_"` + the key with `x` written `xx` and
 * `-` written `xd` (`content-type` -> `m_contentxdtype`), a bijection.
 *
 * Why not `-` -> `_`: the x-ms-meta-* headers are sorted into the Shared Key
 * string-to-sign, and the service sorts them with a culture-aware compare
 * (Azurite: `localeCompare`, where `_` sorts before digits; byte order puts
 * it after), so `a-1` next to `a0` signed differently on each side and
 * Azurite answered 403. After the common `m_`, names are only `[a-z0-9]`,
 * which every comparison orders alike.
 */
export function toAzureMetadataName(key: string): string {
  return "m_" + key.replaceAll("x", "xx").replaceAll("-", "xd");
}

/**
 * The Stowage key for an Azure metadata name, or `undefined` for a name this
 * mapping never produces (metadata set by another tool): it is not returned.
 */
export function fromAzureMetadataName(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (!/^m_[a-z0-9]+$/.test(lower)) return undefined;
  let key = "";
  for (let index = 2; index < lower.length; index++) {
    const char = lower[index]!;
    if (char !== "x") {
      key += char;
      continue;
    }
    const next = lower[++index];
    if (next === "x") key += "x";
    else if (next === "d") key += "-";
    else return undefined;
  }
  return key;
}

/** Stowage metadata as `x-ms-meta-*` request headers. */
export function metadataHeaders(metadata: Record<string, string>, headers: Headers): void {
  for (const [key, value] of Object.entries(metadata)) headers.set(`x-ms-meta-${toAzureMetadataName(key)}`, value);
}

/** Stowage metadata from `x-ms-meta-*` response headers. */
export function metadataFromHeaders(headers: Headers): Record<string, string> {
  const metadata: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!name.toLowerCase().startsWith("x-ms-meta-")) return;
    const key = fromAzureMetadataName(name.slice("x-ms-meta-".length));
    if (key !== undefined) metadata[key] = value;
  });
  return metadata;
}
