import { describe, expect, it } from "vitest";
import { isStorageError, type Storage } from "@stowage/core";
import { headerSize, recordField, storedSegmentSize } from "@stowage/encryption";
import { S, encryptedMemory, pattern, readUntilError } from "./encryption-helpers.js";

// Four segments: three full, the last holds 100 bytes.
const plaintext = pattern(3 * S + 100);
const lastSegmentStored = 100 + 16;

async function stored(raw: Storage, key: string): Promise<{ bytes: Uint8Array; metadata: Record<string, string>; contentType: string }> {
  const object = (await raw.get(key))!;
  return { bytes: await object.bytes(), metadata: object.metadata, contentType: object.contentType };
}

async function store(raw: Storage, key: string, bytes: Uint8Array, metadata: Record<string, string>): Promise<void> {
  await raw.put(key, bytes, { metadata });
}

/**
 * Reads `key` through the layer and checks the read fails with Corrupted,
 * delivering at most the segments before `failing`: an exact prefix of the
 * plaintext ending at a segment boundary.
 */
async function expectCorrupted(enc: Storage, key: string, failing: number, expected: Uint8Array = plaintext): Promise<void> {
  let delivered: Uint8Array = new Uint8Array(0);
  let error: unknown;
  try {
    const object = await enc.get(key);
    ({ delivered, error } = await readUntilError(object!.body));
  } catch (caught) {
    error = caught;
  }
  expect(isStorageError(error, "Corrupted"), `expected Corrupted, got ${String(error)}`).toBe(true);
  expect(delivered.length % S).toBe(0);
  expect(delivered.length).toBe(failing * S);
  expect(delivered).toEqual(expected.subarray(0, delivered.length));
}

function flipped(bytes: Uint8Array, offset: number): Uint8Array {
  const copy = bytes.slice();
  copy[offset]! ^= 0x01;
  return copy;
}

describe("tampering through withEncryption over memory", () => {
  const flips: [string, (length: number) => number, number][] = [
    ["the magic", () => 0, 0],
    ["the version byte", () => 4, 0],
    ["the reserved header bytes", () => 7, 0],
    ["the first segment's first byte", () => headerSize, 0],
    ["the first segment's tag", () => headerSize + storedSegmentSize - 1, 0],
    ["segment 1's tag", () => headerSize + 2 * storedSegmentSize - 8, 1],
    ["segment 2's middle", () => headerSize + 2 * storedSegmentSize + 1000, 2],
    ["the last segment's last byte", (length) => length - 1, 3],
    ["the last segment's first byte", (length) => length - lastSegmentStored, 3],
  ];
  for (const [name, offset, failing] of flips) {
    it(`a flipped byte in ${name} gives Corrupted with nothing from segment ${failing} on`, async () => {
      const { enc, raw } = encryptedMemory();
      await enc.put("a", plaintext);
      const { bytes, metadata } = await stored(raw, "a");
      await store(raw, "a", flipped(bytes, offset(bytes.length)), metadata);
      await expectCorrupted(enc, "a", failing);
    });
  }

  it("a flipped byte is also Corrupted through a range read of its segment, and a range of intact segments still reads", async () => {
    const { enc, raw } = encryptedMemory();
    await enc.put("a", plaintext);
    const { bytes, metadata } = await stored(raw, "a");
    await store(raw, "a", flipped(bytes, headerSize + 2 * storedSegmentSize + 5), metadata);
    // Its first (only) segment fails, so the get itself rejects: no body is handed out.
    await expect(enc.get("a", { range: { offset: 2 * S + 10, length: 5 } })).rejects.toMatchObject({ code: "Corrupted" });
    const intact = await enc.get("a", { range: { offset: S, length: 10 } });
    expect(await intact!.bytes()).toEqual(plaintext.subarray(S, S + 10));
  });

  const reshapes: [string, (bytes: Uint8Array) => Uint8Array, number][] = [
    ["truncated by the last segment", (bytes) => bytes.subarray(0, bytes.length - lastSegmentStored), 2],
    ["truncated by a whole full segment and the last", (bytes) => bytes.subarray(0, headerSize + 2 * storedSegmentSize), 1],
    ["truncated by one byte", (bytes) => bytes.subarray(0, bytes.length - 1), 3],
    ["truncated to the header", (bytes) => bytes.subarray(0, headerSize), 0],
    ["extended by one byte", (bytes) => concatBytes(bytes, new Uint8Array([0])), 3],
    ["extended by a forged whole segment (a copy of segment 1)", (bytes) => concatBytes(bytes, bytes.subarray(headerSize + storedSegmentSize, headerSize + 2 * storedSegmentSize)), 3],
    ["with segments 1 and 2 swapped", (bytes) => swapSegments(bytes, 1, 2), 1],
    ["with the last segment replaced by segment 0's tail", (bytes) => concatBytes(bytes.subarray(0, bytes.length - lastSegmentStored), bytes.subarray(headerSize, headerSize + lastSegmentStored)), 3],
  ];
  for (const [name, reshape, failing] of reshapes) {
    it(`a body ${name} gives Corrupted with nothing from segment ${failing} on`, async () => {
      const { enc, raw } = encryptedMemory();
      await enc.put("a", plaintext);
      const { bytes, metadata } = await stored(raw, "a");
      await store(raw, "a", reshape(bytes), metadata);
      await expectCorrupted(enc, "a", failing);
    });
  }

  it("two objects' bodies swapped (each keeps its record) give Corrupted on both", async () => {
    const { enc, raw } = encryptedMemory();
    await enc.put("a", plaintext);
    const other = pattern(plaintext.length, 9);
    await enc.put("b", other);
    const a = await stored(raw, "a");
    const b = await stored(raw, "b");
    await store(raw, "a", b.bytes, a.metadata);
    await store(raw, "b", a.bytes, b.metadata);
    await expectCorrupted(enc, "a", 0);
    await expectCorrupted(enc, "b", 0, other);
  });

  it("bodies and records swapped between two keys give Corrupted (the data key is bound to the object key)", async () => {
    const { enc, raw } = encryptedMemory();
    await enc.put("a", plaintext);
    await enc.put("b", pattern(plaintext.length, 9));
    const a = await stored(raw, "a");
    const b = await stored(raw, "b");
    await store(raw, "a", b.bytes, b.metadata);
    await store(raw, "b", a.bytes, a.metadata);
    await expectCorrupted(enc, "a", 0);
    await expectCorrupted(enc, "b", 0);
    await expect(enc.get("a", { range: { offset: 0, length: 1 } })).rejects.toMatchObject({ code: "Corrupted" });
  });

  it("a record whose kid names another keyring key, or whose wrapped bytes changed, gives Corrupted", async () => {
    const { enc, raw } = encryptedMemory();
    await enc.put("a", plaintext);
    const { bytes, metadata } = await stored(raw, "a");
    const record = metadata[recordField]!;
    expect(record).toMatch(/^1\.k1\.[A-Za-z0-9_-]{80}$/);
    await store(raw, "a", bytes, { ...metadata, [recordField]: record.replace("1.k1.", "1.k2.") });
    await expectCorrupted(enc, "a", 0);
    const last = record.at(-2) === "A" ? "B" : "A";
    await store(raw, "a", bytes, { ...metadata, [recordField]: `${record.slice(0, -2)}${last}${record.at(-1)}` });
    await expectCorrupted(enc, "a", 0);
    await store(raw, "a", bytes, { ...metadata, [recordField]: "1.k1.short" });
    await expectCorrupted(enc, "a", 0);
  });

  it("a record under a kid not in the keyring gives PermissionDenied naming the key and the variable", async () => {
    const { enc, raw } = encryptedMemory();
    await enc.put("a", plaintext);
    const { bytes, metadata } = await stored(raw, "a");
    await store(raw, "a", bytes, { ...metadata, [recordField]: metadata[recordField]!.replace("1.k1.", "1.gone.") });
    await expect(enc.get("a")).rejects.toMatchObject({ code: "PermissionDenied", message: expect.stringContaining("key gone is not in the keyring (add it to STORAGE_ENCRYPTION_KEYS)") });
  });
});

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function swapSegments(bytes: Uint8Array, i: number, j: number): Uint8Array {
  const copy = bytes.slice();
  const at = (index: number) => headerSize + index * storedSegmentSize;
  copy.set(bytes.subarray(at(i), at(i) + storedSegmentSize), at(j));
  copy.set(bytes.subarray(at(j), at(j) + storedSegmentSize), at(i));
  return copy;
}
