import { StorageError } from "@stowage/core";

/**
 * Refuses, with `InvalidKey`, a legal Stowage key that Azure would store
 * under another name, so it is never silently renamed.
 */
export function refuseAzureKey(key: string, operation: string): void {
  const problem = azureKeyProblem(key);
  if (problem !== undefined) throw new StorageError("InvalidKey", `azure cannot store ${JSON.stringify(key)} (${operation}): ${problem}`);
}

/** Why Azure cannot store `key` as it is, or undefined. */
export function azureKeyProblem(key: string): string | undefined {
  // The Blob service turns "\" in a blob name into "/" (seen on Azurite 3.37; Azure documents the same for the path).
  if (key.includes("\\")) return 'the Blob service stores "\\" as "/"';
  return undefined;
}
