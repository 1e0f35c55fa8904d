import { memoryDriver } from "@stowage/memory";
import { createStorage, type StorageDriver } from "@stowage/core";
import { describeConformance, type DriverFixture } from "@stowage/conformance/vitest";
import { createSignedUrlHandler, type SignedUrlHandler } from "@stowage/http";
import { serveHandler } from "@stowage/http/node";
import { keyring, withEncryption } from "@stowage/encryption";

const keys = keyring({ keys: [{ id: "conformance", secret: "encryption-conformance-kek-0123456789abcdef" }] });

describeConformance({ name: "memory through withEncryption", create: () => ({ driver: withEncryption(memoryDriver(), { keyring: keys }) }) });

// Without the inner copy, the layer streams the stored bytes from get into put (no decryption).
describeConformance({
  name: "memory without copy through withEncryption (get+put of the ciphertext)",
  create: () => {
    const inner = memoryDriver();
    Object.defineProperty(inner, "copy", { value: undefined });
    return { driver: withEncryption(inner, { keyring: keys }) };
  },
});

const secrets = [{ id: "conformance", secret: "encryption-conformance-secret-0123456789abcdef" }];

/**
 * Gateway signing: the layer signs, `createSignedUrlHandler` serves the URLs
 * over a Storage of the layered driver (it encrypts on upload and decrypts
 * on download), on 127.0.0.1 at a random port.
 */
async function signingFixture(): Promise<DriverFixture> {
  let handler: SignedUrlHandler | undefined;
  const server = await serveHandler((request) => handler!(request));
  const driver: StorageDriver = withEncryption(memoryDriver(), { keyring: keys, signing: { secrets, baseUrl: `${server.url}/__storage` } });
  handler = createSignedUrlHandler(createStorage(driver), { secrets, basePath: "/__storage" });
  return { driver, close: server.close };
}

describeConformance({ name: "memory through withEncryption with gateway signed URLs", create: signingFixture });
