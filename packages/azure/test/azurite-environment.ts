import { azureDriver, type AzureDriver } from "@stowage/azure";

/** The Azurite (or Azure) account the tests use, from scripts/azurite/start.sh's DIR/env. */
export interface AzureTestEnvironment {
  endpoint: string;
  accountName: string;
  accountKey: string;
  container: string;
}

/** The environment, or null when the suites must skip (never under CI=true: then it throws). */
export function azureEnvironment(): AzureTestEnvironment | null {
  const { AZURE_BLOB_ENDPOINT, AZURE_STORAGE_ACCOUNT, AZURE_STORAGE_KEY, AZURE_CONTAINER } = process.env;
  if (!AZURE_BLOB_ENDPOINT || !AZURE_STORAGE_ACCOUNT || !AZURE_STORAGE_KEY || !AZURE_CONTAINER) {
    if (process.env.CI === "true") {
      throw new Error("CI=true but AZURE_BLOB_ENDPOINT (and friends) are not set: start Azurite with scripts/azurite/start.sh DIR and load DIR/env");
    }
    return null;
  }
  return { endpoint: AZURE_BLOB_ENDPOINT, accountName: AZURE_STORAGE_ACCOUNT, accountKey: AZURE_STORAGE_KEY, container: AZURE_CONTAINER };
}

/** A driver on the test container. */
export function testDriver(environment: AzureTestEnvironment, options: { blockSize?: number } = {}): AzureDriver {
  return azureDriver({ ...environment, ...options });
}
