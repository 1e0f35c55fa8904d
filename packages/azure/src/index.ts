export { azureDriver, AzureDriver } from "./azure-driver.js";
export type { AzureDriverOptions } from "./azure-driver.js";
export { AzureRestClient, azureApiVersion } from "./azure-rest-client.js";
export type { AzureRestClientOptions, AzureRequest } from "./azure-rest-client.js";
export { azureCapabilities, azureCapabilityHints } from "./azure-capabilities.js";
export { azureUploadLimits } from "./azure-upload-capabilities.js";
export { toAzureMetadataName, fromAzureMetadataName } from "./metadata-names.js";
export { sasSigner, sasServiceVersion } from "./sas-signer.js";
export type { SasSigner, SasSignerOptions, SasGetOptions, SasPutOptions, SasTimes } from "./sas-signer.js";
export { configureCors } from "./configure-cors.js";
export type {
  AzureCorsMethod,
  AzureCorsAccount,
  AzureConfigureCorsOptions,
  AzureConfigureCorsResult,
  AzureCorsRule,
} from "./configure-cors.js";
