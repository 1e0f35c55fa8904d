import { env } from "cloudflare:workers";
import { createHmacSigner, createStorage } from "@stowage/core";
import { r2Driver, r2NonceStore } from "@stowage/r2";
import { describe, expect, it } from "vitest";

// The driver's reserved prefix, __stowage/ (the upload registry and the
// one-time nonces): never listed, not even as a common prefix; pages stay
// full when records are dropped from them; put, delete, copy, createUpload
// and signPut of a key under it are refused.
const bucket = (env as unknown as { BUCKET: R2Bucket }).BUCKET;
const driver = r2Driver({
  bucket,
  signing: createHmacSigner({ secrets: [{ id: "k1", secret: "a reserved-prefix test secret of thirty-two bytes" }], baseUrl: "https://files.example.com/s" }),
});
const storage = createStorage(driver);

/** Every key the binding holds under `prefix`. */
async function rawKeys(prefix: string): Promise<string[]> {
  return (await bucket.list({ prefix, limit: 1000 })).objects.map((object) => object.key);
}

/** Every entry of a listing, a page of `limit` at a time, with each page's size. */
async function listAll(options: { prefix: string; delimiter?: string; limit: number }) {
  const entries: string[] = [];
  const sizes: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await driver.list({ ...options, ...(cursor === undefined ? {} : { cursor }) });
    entries.push(...page.objects.map((object) => object.key), ...page.prefixes);
    sizes.push(page.objects.length + page.prefixes.length);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return { entries, sizes };
}

describe("r2: the reserved prefix __stowage/", () => {
  it("is never listed: no records, no common prefix at the root, and pages stay full around the records", async () => {
    // Upload records (one upload, two parts) and a nonce marker: four reserved records.
    const { uploadId } = await driver.createUpload("video.bin", { contentType: "application/octet-stream", metadata: {} });
    await driver.uploadPart("video.bin", uploadId, 1, new Uint8Array(10), { size: 10 });
    await driver.uploadPart("video.bin", uploadId, 2, new Uint8Array(10), { size: 10 });
    expect(await r2NonceStore(bucket).consume("n1", new Date(Date.now() + 60_000))).toBe(true);
    expect((await rawKeys("__stowage/")).length).toBe(4);
    // Keys on either side of the reserved range ("__a…" < "__stowage/…" < "__z…").
    for (const name of ["__a/x", "__a1", "__a2", "__z1", "__z2", "__z3", "zz"]) await bucket.put(name, "x");

    // A delimited listing at the root: no __stowage/.
    const root = await driver.list({ prefix: "", delimiter: "/", limit: 1000 });
    expect((await bucket.list({ prefix: "", delimiter: "/" })).delimitedPrefixes).toContain("__stowage/"); // the binding shows it
    expect(root.prefixes).toEqual(["__a/"]);
    expect(root.objects.map((object) => object.key)).toEqual(["__a1", "__a2", "__z1", "__z2", "__z3", "zz"]);
    expect((await storage.list({ prefix: "", delimiter: "/" })).prefixes).not.toContain("__stowage/");
    // Nor under it, nor inside it.
    expect(await driver.list({ prefix: "__stowage/", delimiter: "/", limit: 1000 })).toEqual({ objects: [], prefixes: [] });
    expect(await driver.list({ prefix: "__stowage/uploads/", limit: 1000 })).toEqual({ objects: [], prefixes: [] });
    expect((await driver.list({ prefix: "__stowage", delimiter: "/", limit: 1000 })).prefixes).toEqual([]);

    // Pages of 3 from "__": full pages although four records sort in the middle.
    const first = await driver.list({ prefix: "__", limit: 3 });
    expect(first.objects.map((object) => object.key)).toEqual(["__a/x", "__a1", "__a2"]);
    expect(first.cursor).toBeDefined();
    const second = await driver.list({ prefix: "__", limit: 3, cursor: first.cursor! });
    expect(second.objects.map((object) => object.key)).toEqual(["__z1", "__z2", "__z3"]);
    if (second.cursor !== undefined) expect((await driver.list({ prefix: "__", limit: 3, cursor: second.cursor })).objects).toEqual([]);
    // Every page size, with and without a delimiter: only the last page is short.
    for (const limit of [1, 2, 4]) {
      for (const delimiter of [undefined, "/"]) {
        const { entries, sizes } = await listAll({ prefix: "", limit, ...(delimiter === undefined ? {} : { delimiter }) });
        const expected = delimiter === undefined
          ? ["__a/x", "__a1", "__a2", "__z1", "__z2", "__z3", "zz"]
          : ["__a/", "__a1", "__a2", "__z1", "__z2", "__z3", "zz"];
        expect([...entries].sort()).toEqual(expected.sort());
        expect(sizes.slice(0, -1).every((size) => size === limit), `limit ${limit}, delimiter ${delimiter}: ${sizes}`).toBe(true);
      }
    }
    // startAfter inside the reserved range resumes after it.
    expect((await driver.list({ prefix: "", startAfter: "__stowage/nonces/", limit: 2 })).objects.map((object) => object.key)).toEqual(["__z1", "__z2"]);
    await driver.abortUpload("video.bin", uploadId);
  });

  it("drops a common prefix that holds only records for an unusual delimiter, and keeps one that holds other keys", async () => {
    const { uploadId } = await driver.createUpload("odd.bin", { contentType: "application/octet-stream", metadata: {} });
    // Delimiter "w" after "__sto": "__stowage/…" rolls up into "__stow", which holds only records.
    expect((await driver.list({ prefix: "__sto", delimiter: "w", limit: 10 })).prefixes).toEqual([]);
    await bucket.put("__stowaway", "x");
    expect((await driver.list({ prefix: "__sto", delimiter: "w", limit: 10 })).prefixes).toEqual(["__stow"]);
    await driver.abortUpload("odd.bin", uploadId);
    await bucket.delete("__stowaway");
  });

  it("refuses put, delete, copy, createUpload and signPut of a key under it, and leaves the records alone", async () => {
    const { uploadId } = await driver.createUpload("refused.bin", { contentType: "application/octet-stream", metadata: {} });
    const record = `__stowage/uploads/u/${encodeURIComponent(uploadId)}`;
    expect(await rawKeys(record)).toEqual([record]);
    const reserved = { code: "InvalidArgument", message: expect.stringMatching(/reserved for the driver's own records/) };
    await expect(storage.put(record, "overwritten")).rejects.toMatchObject(reserved);
    await expect(storage.put("__stowage/nonces/mine", "x")).rejects.toMatchObject(reserved);
    await expect(storage.delete(record)).rejects.toMatchObject(reserved);
    await expect(storage.delete(["plain-key", record])).rejects.toMatchObject(reserved);
    await bucket.put("plain-source", "x");
    await expect(storage.copy("plain-source", "__stowage/uploads/u/forged")).rejects.toMatchObject(reserved);
    await expect(storage.copy(record, "stolen-record")).rejects.toMatchObject(reserved);
    await expect(storage.uploads.create("__stowage/uploads/u/forged", { size: 10 })).rejects.toMatchObject(reserved);
    await expect(storage.signPut("__stowage/nonces/forged", { contentType: "text/plain", size: 1 })).rejects.toMatchObject(reserved);
    // The record is still there, unchanged, and nothing new was written.
    const held = await bucket.head(record);
    expect(held?.size).toBe(0);
    expect(held?.customMetadata?.key).toBe("refused.bin");
    expect(await rawKeys("__stowage/uploads/u/forged")).toEqual([]);
    expect(await bucket.head("stolen-record")).toBeNull();
    await driver.abortUpload("refused.bin", uploadId);
  });

  it("r2NonceStore: consume is true once, then false; purgeExpired removes only expired markers", async () => {
    let now = Date.now();
    const store = r2NonceStore(bucket, { prefix: "__stowage/nonces-test/", clock: () => now });
    const soon = new Date(now + 1000);
    const later = new Date(now + 60_000);
    expect(await store.consume("a", soon)).toBe(true);
    expect(await store.consume("a", soon)).toBe(false);
    expect(await Promise.all([store.consume("b", later), store.consume("b", later)])).toEqual(expect.arrayContaining([true, false]));
    expect((await driver.list({ prefix: "", limit: 1000 })).objects.filter((object) => object.key.includes("nonces"))).toEqual([]);
    now += 2000;
    expect(await store.purgeExpired()).toBe(1);
    expect((await rawKeys("__stowage/nonces-test/")).length).toBe(1);
    expect(() => r2NonceStore(bucket, { prefix: "nonces/" })).toThrow(/__stowage\//);
  });
});
