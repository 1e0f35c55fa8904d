/** The Azurite (or Azure) account the SAS tests run against. */
export interface SasTestEnvironment {
  endpoint: string;
  accountName: string;
  accountKey: string;
  container: string;
}

/**
 * The account from `AZURE_BLOB_ENDPOINT`, `AZURE_STORAGE_ACCOUNT`,
 * `AZURE_STORAGE_KEY` and `AZURE_CONTAINER` (what scripts/azurite/start.sh
 * writes), or null when unset so the suite skips locally. Under `CI=true` a
 * missing server is an error: CI never skips the Azure suite.
 */
export function sasEnvironment(): SasTestEnvironment | null {
  const env = process.env;
  const endpoint = env.AZURE_BLOB_ENDPOINT;
  if (!endpoint) {
    if (env.CI === "true") throw new Error("CI=true but AZURE_BLOB_ENDPOINT is unset: start Azurite (scripts/azurite/start.sh) and load its env");
    return null;
  }
  const accountName = env.AZURE_STORAGE_ACCOUNT;
  const accountKey = env.AZURE_STORAGE_KEY;
  if (!accountName || !accountKey) throw new Error("AZURE_BLOB_ENDPOINT is set but AZURE_STORAGE_ACCOUNT or AZURE_STORAGE_KEY is not");
  return { endpoint, accountName, accountKey, container: env.AZURE_CONTAINER || "stowage-test" };
}
