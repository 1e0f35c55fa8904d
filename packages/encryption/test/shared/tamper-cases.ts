import { describe, expect, it } from "vitest";
import { createStorage, isStorageError, type Storage, type StorageDriver } from "@stowage/core";
import { headerSize, keyring, recordField, segmentSize, storedSegmentSize, withEncryption, type Keyring } from "@stowage/encryption";

// The tamper matrix of issue 15, driver-agnostic: every case writes through
// withEncryption, then reads the stored bytes and fields back through the
// INNER driver only, changes them, and puts them back through the inner
// driver with the same content type and metadata, so it runs the same on
// memory, fs, S3 and R2. Each tampered read must give Corrupted: the get
// itself rejects when the first served segment fails; a later segment fails
// mid-stream, the bytes delivered before the error an exact prefix of the
// plaintext ending at a segment boundary. Self-contained (no Node imports) so
// it also runs inside workerd.

const S = segmentSize;

/** Wraps an inner driver in the layer under test (withEncryption unless a test substitutes a variant). */
export type EncryptionLayer = (inner: StorageDriver, options: { keyring: Keyring }) => StorageDriver;

export interface TamperCaseOptions {
  /** The layer to test; defaults to withEncryption. */
  layer?: EncryptionLayer;
}

const tamperKeys: Keyring = keyring({
  keys: [
    { id: "k1", secret: "tamper-matrix-kek-one-0123456789abcdef" },
    { id: "k2", secret: "tamper-matrix-kek-two-0123456789abcdef" },
  ],
});

/** Deterministic bytes: byte i is (i * 7 + seed) mod 256. */
function pattern(length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let index = 0; index < length; index++) bytes[index] = (index * 7 + seed) & 0xff;
  return bytes;
}

// Four segments: three full, the last holds 100 bytes.
const plaintext = pattern(3 * S + 100);
const other = pattern(plaintext.length, 9);
const lastSegmentStored = 100 + 16;

interface Stored {
  bytes: Uint8Array;
  metadata: Record<string, string>;
  contentType: string;
}

async function stored(raw: Storage, key: string): Promise<Stored> {
  const object = await raw.get(key);
  if (object === null) throw new Error(`${key} is not stored`);
  return { bytes: await object.bytes(), metadata: object.metadata, contentType: object.contentType };
}

async function store(raw: Storage, key: string, bytes: Uint8Array, fields: Stored): Promise<void> {
  await raw.put(key, bytes, { contentType: fields.contentType, metadata: fields.metadata });
}

/** Reads a stream until it ends or errors: the bytes delivered before, and the error. */
export async function readUntilError(body: ReadableStream<Uint8Array>): Promise<{ delivered: Uint8Array; error: unknown }> {
  const chunks: Uint8Array[] = [];
  const reader = body.getReader();
  let error: unknown;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
  } catch (caught) {
    error = caught;
  }
  return { delivered: concatBytes(...chunks), error };
}

/**
 * Reads `key` through the layer and checks the read fails with Corrupted,
 * delivering exactly the segments before `failing` (none when it is 0: the
 * get itself rejects).
 */
async function expectCorrupted(enc: Storage, key: string, failing: number, expected: Uint8Array = plaintext): Promise<void> {
  let delivered: Uint8Array = new Uint8Array(0);
  let error: unknown;
  let getRejected = false;
  try {
    const object = await enc.get(key);
    if (object === null) throw new Error(`${key} is not found through the layer`);
    ({ delivered, error } = await readUntilError(object.body));
  } catch (caught) {
    error = caught;
    getRejected = true;
  }
  expect(isStorageError(error, "Corrupted"), `expected Corrupted, got ${String(error)}`).toBe(true);
  expect(getRejected, failing === 0 ? "the get itself rejects" : "the get answers and the body fails").toBe(failing === 0);
  expect(delivered.length % S).toBe(0);
  expect(delivered.length).toBe(failing * S);
  expect(delivered).toEqual(expected.subarray(0, delivered.length));
}

function flipped(bytes: Uint8Array, offset: number): Uint8Array {
  const copy = bytes.slice();
  copy[offset]! ^= 0x01;
  return copy;
}

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function swapSegments(bytes: Uint8Array, i: number, j: number): Uint8Array {
  const copy = bytes.slice();
  const at = (index: number) => headerSize + index * storedSegmentSize;
  copy.set(bytes.subarray(at(i), at(i) + storedSegmentSize), at(j));
  copy.set(bytes.subarray(at(j), at(j) + storedSegmentSize), at(i));
  return copy;
}

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

/** How many cases describeTamperCases registers. */
export const tamperCaseCount = flips.length + reshapes.length + 5;

/**
 * Registers the tamper matrix (a vitest describe block) for withEncryption
 * over the driver `createInner` returns. Keys are under a prefix unique to the
 * run, so drivers over shared buckets can be used.
 */
export function describeTamperCases(name: string, createInner: () => StorageDriver | Promise<StorageDriver>, options: TamperCaseOptions = {}): void {
  const layer = options.layer ?? withEncryption;
  const prefix = `tamper-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}/`;
  let counter = 0;

  async function setup(): Promise<{ enc: Storage; raw: Storage; key: (name: string) => string }> {
    const inner = await createInner();
    const base = `${prefix}${counter++}/`;
    return { enc: createStorage(layer(inner, { keyring: tamperKeys })), raw: createStorage(inner), key: (name) => `${base}${name}` };
  }

  describe(`tampering through withEncryption over ${name}`, () => {
    for (const [what, offset, failing] of flips) {
      it(`a flipped byte in ${what} gives Corrupted with nothing from segment ${failing} on`, async () => {
        const { enc, raw, key } = await setup();
        await enc.put(key("a"), plaintext);
        const a = await stored(raw, key("a"));
        await store(raw, key("a"), flipped(a.bytes, offset(a.bytes.length)), a);
        await expectCorrupted(enc, key("a"), failing);
      });
    }

    it("a flipped byte is also Corrupted through a range read of its segment, and a range of intact segments still reads", async () => {
      const { enc, raw, key } = await setup();
      await enc.put(key("a"), plaintext);
      const a = await stored(raw, key("a"));
      await store(raw, key("a"), flipped(a.bytes, headerSize + 2 * storedSegmentSize + 5), a);
      // Its first (only) segment fails, so the get itself rejects: no body is handed out.
      await expect(enc.get(key("a"), { range: { offset: 2 * S + 10, length: 5 } })).rejects.toMatchObject({ code: "Corrupted" });
      const intact = await enc.get(key("a"), { range: { offset: S, length: 10 } });
      expect(await intact!.bytes()).toEqual(plaintext.subarray(S, S + 10));
    });

    for (const [what, reshape, failing] of reshapes) {
      it(`a body ${what} gives Corrupted with nothing from segment ${failing} on`, async () => {
        const { enc, raw, key } = await setup();
        await enc.put(key("a"), plaintext);
        const a = await stored(raw, key("a"));
        await store(raw, key("a"), reshape(a.bytes), a);
        await expectCorrupted(enc, key("a"), failing);
      });
    }

    it("two objects' bodies swapped (each keeps its record) give Corrupted on both", async () => {
      const { enc, raw, key } = await setup();
      await enc.put(key("a"), plaintext);
      await enc.put(key("b"), other);
      const a = await stored(raw, key("a"));
      const b = await stored(raw, key("b"));
      await store(raw, key("a"), b.bytes, a);
      await store(raw, key("b"), a.bytes, b);
      await expectCorrupted(enc, key("a"), 0);
      await expectCorrupted(enc, key("b"), 0, other);
    });

    it("bodies and records swapped between two keys give Corrupted (the data key is bound to the object key)", async () => {
      const { enc, raw, key } = await setup();
      await enc.put(key("a"), plaintext);
      await enc.put(key("b"), other);
      const a = await stored(raw, key("a"));
      const b = await stored(raw, key("b"));
      await store(raw, key("a"), b.bytes, b);
      await store(raw, key("b"), a.bytes, a);
      await expectCorrupted(enc, key("a"), 0);
      await expectCorrupted(enc, key("b"), 0);
      await expect(enc.get(key("a"), { range: { offset: 0, length: 1 } })).rejects.toMatchObject({ code: "Corrupted" });
    });

    it("a record whose kid names another keyring key, or whose wrapped bytes changed, gives Corrupted", async () => {
      const { enc, raw, key } = await setup();
      await enc.put(key("a"), plaintext);
      const a = await stored(raw, key("a"));
      const record = a.metadata[recordField]!;
      expect(record).toMatch(/^1\.k1\.[A-Za-z0-9_-]{80}$/);
      const withRecord = (value: string): Stored => ({ ...a, metadata: { ...a.metadata, [recordField]: value } });
      await store(raw, key("a"), a.bytes, withRecord(record.replace("1.k1.", "1.k2.")));
      await expectCorrupted(enc, key("a"), 0);
      const last = record.at(-2) === "A" ? "B" : "A";
      await store(raw, key("a"), a.bytes, withRecord(`${record.slice(0, -2)}${last}${record.at(-1)}`));
      await expectCorrupted(enc, key("a"), 0);
      await store(raw, key("a"), a.bytes, withRecord("1.k1.short"));
      await expectCorrupted(enc, key("a"), 0);
    });

    it("a record under a kid not in the keyring gives PermissionDenied naming the key and the variable", async () => {
      const { enc, raw, key } = await setup();
      await enc.put(key("a"), plaintext);
      const a = await stored(raw, key("a"));
      await store(raw, key("a"), a.bytes, { ...a, metadata: { ...a.metadata, [recordField]: a.metadata[recordField]!.replace("1.k1.", "1.gone.") } });
      await expect(enc.get(key("a"))).rejects.toMatchObject({ code: "PermissionDenied", message: expect.stringContaining("key gone is not in the keyring (add it to STORAGE_ENCRYPTION_KEYS)") });
    });
  });
}
