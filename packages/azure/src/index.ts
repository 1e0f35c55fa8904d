export { azureDriver, AzureDriver } from "./azure-driver.js";
export type { AzureDriverOptions } from "./azure-driver.js";
export { AzureRestClient, azureApiVersion } from "./azure-rest-client.js";
export type { AzureRestClientOptions, AzureRequest } from "./azure-rest-client.js";
export { azureCapabilities, azureCapabilityHints } from "./azure-capabilities.js";
export { toAzureMetadataName, fromAzureMetadataName } from "./metadata-names.js";
