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
  // Azure's naming rules: "no path segments should end with a dot". The service drops such dots from the
  // request path, so the blob would be stored (and signed URLs checked) under another name (gitlab#332027).
  if (/\.(?:\/|$)/.test(key)) return 'Azure drops a "." at the end of a name or of a "/" segment, which would store it under another name';
  // Azure refuses C1 control characters (U+0080-U+009F) in names; Stowage refuses only C0 and DEL.
  if (/[\u0080-\u009f]/.test(key)) return "Azure does not accept control characters U+0080-U+009F in blob names";
  return undefined;
}
