import { createHmacSigner, createStorage } from "@stowage/core";
import { createSignedUrlHandler, memoryNonceStore, type SignedUrlHandler } from "@stowage/http";
import { serveHandler } from "@stowage/http/node";
import { azureDriver, type AzureDriver } from "@stowage/azure";
import type { AzureTestEnvironment } from "./azurite-environment.ts";

const secrets = [{ id: "azure-gateway", secret: "azure-gateway-conformance-secret-0123456789abcdef" }];

/**
 * An azure driver in gateway mode (`signing: createHmacSigner(...)`) and a
 * Node HTTP server running `createSignedUrlHandler` over it: signed URLs
 * and part URLs go through the server into the driver, on Azurite.
 */
export async function gatewayDriver(environment: AzureTestEnvironment): Promise<{ driver: AzureDriver; close(): Promise<void> }> {
  let handler: SignedUrlHandler | undefined;
  const server = await serveHandler((request) => handler!(request));
  const driver = azureDriver({ ...environment, signing: createHmacSigner({ secrets, baseUrl: `${server.url}/__storage` }) });
  handler = createSignedUrlHandler(createStorage(driver), { secrets, basePath: "/__storage", nonceStore: memoryNonceStore() });
  return { driver, close: () => server.close() };
}
