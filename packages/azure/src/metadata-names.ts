/**
 * Azure metadata names must be C# identifiers (letters, digits and `_`, not
 * starting with a digit) and compare case-insensitively. Stowage keys are
 * `[a-z0-9-]+` and never contain `_`, so the mapping is a bijection:
 * `key` <-> `"m_" + key` with every `-` written as `_`.
 */
export function toAzureMetadataName(key: string): string {
  return "m_" + key.replaceAll("-", "_");
}

/**
 * The Stowage key for an Azure metadata name, or `undefined` for a name this
 * mapping never produces (metadata set by another tool): it is not returned.
 */
export function fromAzureMetadataName(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (!lower.startsWith("m_") || lower.length === 2) return undefined;
  const key = lower.slice(2).replaceAll("_", "-");
  return /^[a-z0-9-]+$/.test(key) ? key : undefined;
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
