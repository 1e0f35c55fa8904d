import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createStorage, isStorageError, type StorageDriver } from "@stowage/core";
import { describeConformance } from "@stowage/conformance/vitest";
import { createSignedUrlHandler, type SignedUrlHandler } from "@stowage/http";
import { keyring, withEncryption } from "@stowage/encryption";
import { r2Driver, r2NonceStore } from "@stowage/r2";

// The whole suite through the managed-encryption layer (issue 15), on the R2
// binding inside workerd. Signed URLs are the gateway's (never R2's presigned
// URLs): @stowage/http serves them over a Storage of the layered driver, so
// uploads are encrypted and downloads decrypted, as a Worker route would; the
// unauthenticated client's requests go straight to that handler.
const bucket = (env as unknown as { BUCKET: R2Bucket }).BUCKET;
const keys = keyring({ keys: [{ id: "r2-conformance", secret: "r2-encryption-conformance-kek-0123456789abcdef" }] });
const secrets = [{ id: "conformance", secret: "r2-encryption-conformance-secret-0123456789abcdef" }];

// R2 counts custom metadata (keys and values) against 2 KiB, and the layer's
// record (the `stowage-enc` field, at most 158 bytes) shares it: the layer
// declares maxMetadataBytes 1,890, and the metadata case stores exactly that.
describeConformance({
  name: "r2 (workerd binding) through withEncryption with gateway signed URLs",
  create() {
    const driver: StorageDriver = withEncryption(r2Driver({ bucket }), {
      keyring: keys,
      signing: { secrets, baseUrl: "https://files.example.com/__storage" },
    });
    // One-time nonces as create-only markers under __stowage/nonces/, which the driver hides.
    const handler: SignedUrlHandler = createSignedUrlHandler(createStorage(driver), { secrets, basePath: "/__storage", nonceStore: r2NonceStore(bucket) });
    return { driver, fetch: (request: Request) => handler(request) };
  },
});

describe("withEncryption on the R2 binding: the metadata budget", () => {
  // The longest key id the format allows (64 characters), so the record takes its most: 158 bytes.
  const longKid = "k".repeat(64);
  const storage = createStorage(withEncryption(r2Driver({ bucket }), { keyring: keyring({ keys: [{ id: longKid, secret: "r2-encryption-budget-kek-0123456789abcdef" }] }) }));
  const prefix = `budget-${Date.now().toString(36)}/`;
  // Keys plus values: "k0" (2) + 943 + "k1" (2) + 943 = 1890 bytes.
  const budget = { k0: "a".repeat(943), k1: "b".repeat(943) };
  const twoKiB = { k0: "a".repeat(1022), k1: "b".repeat(1022) };

  it("1,890 bytes of user metadata fit with the largest record, and are returned without it; 1,891 sent straight to the layer are refused by R2 (it counts exactly 2 KiB), with the budget named", async () => {
    await storage.put(`${prefix}fits`, "x", { metadata: budget });
    expect((await storage.head(`${prefix}fits`))?.metadata).toEqual(budget);
    const oneOver = { ...budget, k0: `${budget.k0}a` };
    const error = await storage.driver
      .put(`${prefix}one-over`, new TextEncoder().encode("x"), { contentType: "text/plain", metadata: oneOver })
      .then(() => undefined, (caught: unknown) => caught);
    expect(isStorageError(error, "InvalidArgument")).toBe(true);
    expect((error as Error).message).toContain("user metadata has 1890 of the backend's 2048 bytes");
    expect(await storage.head(`${prefix}one-over`)).toBeNull();
  });

  it("Storage refuses 2,048 bytes before R2 is asked (the layer declares maxMetadataBytes 1,890), and nothing is stored", async () => {
    expect(storage.driver.maxMetadataBytes).toBe(1890);
    const error = await storage.put(`${prefix}over`, "x", { metadata: twoKiB }).then(() => undefined, (caught: unknown) => caught);
    expect(isStorageError(error, "InvalidArgument")).toBe(true);
    expect((error as Error).message).toContain("at most 1890 are allowed on this storage");
    expect(await storage.head(`${prefix}over`)).toBeNull();
  });

  it("updateMetadata to 2,048 bytes is refused the same way, and the object keeps its metadata", async () => {
    await storage.put(`${prefix}update`, "x", { metadata: { a: "1" } });
    const error = await storage.updateMetadata(`${prefix}update`, { metadata: twoKiB }).then(() => undefined, (caught: unknown) => caught);
    expect(isStorageError(error, "InvalidArgument")).toBe(true);
    expect((error as Error).message).toContain("at most 1890 are allowed on this storage");
    expect((await storage.head(`${prefix}update`))?.metadata).toEqual({ a: "1" });
  });
});
