import type { Capabilities, CapabilityHints, CapabilityName } from "./capabilities.js";

/**
 * How to sign URLs with a driver that has no native presigning, such as
 * `hmacSigningHint("memoryDriver()")`.
 */
export function hmacSigningHint(factory: string): string {
  return `pass \`signing: { secrets, baseUrl }\` to ${factory} and serve the URLs with @stowage/http's createSignedUrlHandler`;
}

/**
 * `capabilityHints` for a driver whose signing comes from a `UrlSigner`
 * option (memory, fs): each signing capability that is off gets how to
 * switch it on. Without a signer, pass `{ secrets, baseUrl }`; with one that
 * lacks a constraint, the HMAC signer enforces every constraint.
 */
export function hmacSigningHints(factory: string, capabilities: Capabilities, signed: boolean): CapabilityHints {
  const hints: Partial<Record<CapabilityName, string>> = {};
  for (const name of Object.keys(capabilities) as CapabilityName[]) {
    if (!name.startsWith("sign") || capabilities[name]) continue;
    hints[name] = signed
      ? `the UrlSigner passed to ${factory} does not enforce it; \`signing: { secrets, baseUrl }\` (the HMAC signer, served by @stowage/http's createSignedUrlHandler) enforces every signPut constraint`
      : hmacSigningHint(factory);
  }
  return Object.freeze(hints);
}
