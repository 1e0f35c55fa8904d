import { describeConformance } from "@stowage/conformance/vitest";
import { fsDriver } from "@stowage/fs";
import { createStorage, type StorageDriver } from "@stowage/core";
import { createSignedUrlHandler, storageNonceStore, type SignedUrlHandler } from "@stowage/http";
import { serveHandler } from "@stowage/http/node";
import { keyring, withEncryption } from "@stowage/encryption";
import { leftoverFiles, removeRoot, tempRoot } from "./temp-root.js";

// The whole suite through the managed-encryption layer (issue 15): every
// object on disk is in the encrypted format, and signed URLs are the
// gateway's, served by @stowage/http over a Storage of the layered driver (it
// encrypts on upload and decrypts on download).
const keys = keyring({ keys: [{ id: "fs-conformance", secret: "fs-encryption-conformance-kek-0123456789abcdef" }] });
const signingSecrets = [{ id: "conformance", secret: "fs-encryption-conformance-secret-0123456789abcdef" }];

describeConformance({
  name: "fs through withEncryption with gateway signed URLs",
  async create() {
    const root = await tempRoot("encryption");
    const nonceRoot = await tempRoot("encryption-nonces");
    let handler: SignedUrlHandler | undefined;
    const server = await serveHandler((request) => handler!(request));
    const inner = fsDriver({ root });
    await inner.ready;
    const driver: StorageDriver = withEncryption(inner, { keyring: keys, signing: { secrets: signingSecrets, baseUrl: `${server.url}/__storage` } });
    const nonceDriver = fsDriver({ root: nonceRoot });
    await nonceDriver.ready;
    handler = createSignedUrlHandler(createStorage(driver), {
      secrets: signingSecrets,
      basePath: "/__storage",
      nonceStore: storageNonceStore(createStorage(nonceDriver)),
    });
    return {
      driver,
      leftovers: () => leftoverFiles(root),
      close: async () => {
        await server.close();
        await removeRoot(root);
        await removeRoot(nonceRoot);
      },
    };
  },
});
