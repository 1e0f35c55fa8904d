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
// record (the `stowage-enc` field, 108 bytes with this key id, at most 158)
// shares it: the case's exact 2,048 bytes of user metadata are refused by R2
// (10012 MetadataTooLarge, InvalidArgument). Core has no way yet for a layer
// to declare a smaller budget; until it does, the case is skipped here with
// that reason. On memory, fs and RGW (no 2 KiB limit) it passes.
const skip = {
  "put: metadata up to 2 KiB is accepted and more is InvalidArgument":
    "R2 limits custom metadata to 2 KiB and withEncryption's record (the stowage-enc field, up to 158 bytes) counts against it, so 2,048 bytes of user metadata exceed it (R2 10012, InvalidArgument); the layer's budget is 2048 - 158 = 1,890 bytes, which core cannot yet declare",
};

describeConformance({
  skip,
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

  it("1,890 bytes of user metadata fit with the largest record, and are returned without it; 1,891 do not (R2 counts exactly 2 KiB)", async () => {
    await storage.put(`${prefix}fits`, "x", { metadata: budget });
    expect((await storage.head(`${prefix}fits`))?.metadata).toEqual(budget);
    const error = await storage.put(`${prefix}one-over`, "x", { metadata: { ...budget, k0: `${budget.k0}a` } }).then(() => undefined, (caught: unknown) => caught);
    expect(isStorageError(error, "InvalidArgument")).toBe(true);
  });

  it("2,048 bytes are InvalidArgument, the message names the layer's budget, and nothing is stored", async () => {
    const error = await storage.put(`${prefix}over`, "x", { metadata: twoKiB }).then(() => undefined, (caught: unknown) => caught);
    expect(isStorageError(error, "InvalidArgument")).toBe(true);
    expect((error as Error).message).toContain("user metadata has 1890 of the backend's 2048 bytes");
    expect(await storage.head(`${prefix}over`)).toBeNull();
  });

  it("updateMetadata to 2,048 bytes is InvalidArgument naming the budget, and the object keeps its metadata", async () => {
    await storage.put(`${prefix}update`, "x", { metadata: { a: "1" } });
    const error = await storage.updateMetadata(`${prefix}update`, { metadata: twoKiB }).then(() => undefined, (caught: unknown) => caught);
    expect(isStorageError(error, "InvalidArgument")).toBe(true);
    expect((error as Error).message).toContain("user metadata has 1890 of the backend's 2048 bytes");
    expect((await storage.head(`${prefix}update`))?.metadata).toEqual({ a: "1" });
  });
});
