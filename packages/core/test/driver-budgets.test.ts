import { describe, expect, it } from "vitest";
import { createStorage, isStorageError, type StorageDriver } from "@stowage/core";
import { mapDriver } from "./map-driver.ts";
import { multipartMapDriver } from "./multipart-map-driver.ts";

// What a layer declares about itself as data: a smaller metadata budget
// (withEncryption keeps its record in the backend's metadata) and why public
// URLs would not serve its objects (they would serve ciphertext).

/** `driver` with extra data fields, keeping its methods and state. */
function declaring<D extends StorageDriver>(driver: D, fields: { maxMetadataBytes?: number; publicUrlRefusal?: string }): D {
  return Object.assign(Object.create(driver) as D, fields);
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a refusal");
}

describe("maxMetadataBytes", () => {
  const metadataOf = (bytes: number) => ({ k: "v".repeat(bytes - 1) });

  it("put takes exactly the declared budget and refuses one byte more before the driver runs, saying why", async () => {
    const inner = mapDriver();
    const storage = createStorage(declaring(inner, { maxMetadataBytes: 100 }));
    await storage.put("fits", "x", { metadata: metadataOf(100) });
    const error = await refusal(storage.put("over", "x", { metadata: metadataOf(101) }));
    expect(isStorageError(error, "InvalidArgument")).toBe(true);
    expect((error as Error).message).toMatch(/metadata is 101 bytes; at most 100 are allowed on this storage \(its driver keeps the rest/);
    expect(inner.keys()).toEqual(["fits"]);
  });

  it("copy and updateMetadata replacements, and upload sessions, are held to the budget too", async () => {
    const inner = mapDriver();
    const storage = createStorage(declaring(inner, { maxMetadataBytes: 100 }));
    await storage.put("source", "x");
    expect(isStorageError(await refusal(storage.copy("source", "target", { metadata: metadataOf(101) })), "InvalidArgument")).toBe(true);
    expect(isStorageError(await refusal(storage.updateMetadata("source", { metadata: metadataOf(101) })), "InvalidArgument")).toBe(true);
    expect(inner.keys()).toEqual(["source"]);
    const uploads = createStorage(declaring(multipartMapDriver(), { maxMetadataBytes: 100 }));
    expect(isStorageError(await refusal(uploads.uploads.create("big", { size: 10, metadata: metadataOf(101) })), "InvalidArgument")).toBe(true);
  });

  it("a budget above the portable 2048 does not raise it, and a bad value is refused by createStorage", async () => {
    const storage = createStorage(declaring(mapDriver(), { maxMetadataBytes: 4096 }));
    expect(isStorageError(await refusal(storage.put("over", "x", { metadata: metadataOf(2049) })), "InvalidArgument")).toBe(true);
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(() => createStorage(declaring(mapDriver(), { maxMetadataBytes: bad }))).toThrow(/maxMetadataBytes is not a non-negative integer/);
    }
  });
});

describe("publicUrlRefusal", () => {
  it("createStorage refuses a publicBaseUrl with Unsupported and the driver's reason; without one, nothing changes", () => {
    const driver = declaring(mapDriver(), { publicUrlRefusal: "the stored bytes are ciphertext: sign GETs through the gateway instead" });
    let thrown: unknown;
    try {
      createStorage(driver, { publicBaseUrl: "https://cdn.example.com/" });
    } catch (error) {
      thrown = error;
    }
    expect(isStorageError(thrown, "Unsupported")).toBe(true);
    expect((thrown as Error).message).toMatch(/publicBaseUrl cannot be used with the map driver: the stored bytes are ciphertext/);
    expect(() => createStorage(driver).publicUrl("a")).toThrow(/publicBaseUrl/);
    expect(createStorage(mapDriver(), { publicBaseUrl: "https://cdn.example.com/" }).publicUrl("a b")).toBe("https://cdn.example.com/a%20b");
    expect(() => createStorage(declaring(mapDriver(), { publicUrlRefusal: "" }))).toThrow(/publicUrlRefusal is not a non-empty string/);
  });
});
