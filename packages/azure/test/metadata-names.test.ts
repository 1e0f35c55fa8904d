import { describe, expect, it } from "vitest";
import { fromAzureMetadataName, toAzureMetadataName } from "../src/metadata-names.ts";

/** Every Stowage key up to 3 characters over a-z0-9 and "-" (a sample of the rest of a-z0-9 would add nothing). */
function stowageKeys(): string[] {
  const alphabet = ["a", "x", "d", "0", "9", "-"];
  const keys: string[] = [...alphabet];
  for (const a of alphabet) for (const b of alphabet) {
    keys.push(a + b);
    for (const c of alphabet) keys.push(a + b + c);
  }
  return [...keys, "content-type", "x-amz-meta", "--", "a--b", "-leading", "trailing-", "0digit", "expires-at", "a".repeat(200), "xd", "x-d", "-x-"];
}

describe("metadata names", () => {
  it("map every legal Stowage key to a C# identifier and back", () => {
    const seen = new Set<string>();
    for (const key of stowageKeys()) {
      const name = toAzureMetadataName(key);
      // A C# identifier, and only [a-z0-9] after "m_" (see metadata-names.ts for why).
      expect(name).toMatch(/^m_[a-z0-9]+$/);
      expect(fromAzureMetadataName(name)).toBe(key);
      // Azure compares names case-insensitively: the uppercase form reads back the same.
      expect(fromAzureMetadataName(name.toUpperCase())).toBe(key);
      seen.add(name.toLowerCase());
    }
    expect(seen.size).toBe(new Set(stowageKeys()).size);
  });

  it("sort alike by bytes and by localeCompare (the service's culture-aware order)", () => {
    const names = stowageKeys().map((key) => `x-ms-meta-${toAzureMetadataName(key)}`);
    const byBytes = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const byLocale = [...names].sort((a, b) => a.localeCompare(b));
    expect(byLocale).toEqual(byBytes);
  });

  it("ignore names this mapping never makes", () => {
    for (const name of ["m_", "other", "stowage_none", "m_a.b", "m_x", "m_xa", "m_a_b"]) expect(fromAzureMetadataName(name)).toBeUndefined();
  });
});
