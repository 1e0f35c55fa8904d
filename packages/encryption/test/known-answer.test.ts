import { createCipheriv, createHash, hkdfSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createStorage } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { keyring, recordField, withEncryption } from "@stowage/encryption";

// The vectors of the README. Every input is fixed: the data key, the KEK
// secret and id, the object key and the wrap nonce (injected through the
// layer's internal randomBytes option).
const dek = Uint8Array.from({ length: 32 }, (_, index) => index);
const wrapNonce = Uint8Array.from({ length: 12 }, (_, index) => 0xa0 + index);
const secret = "stowage-known-answer-kek-secret!"; // 32 bytes
const kid = "kat-1";
const objectKey = "vectors/hello.txt";

function fixedRandom(): (length: number) => Uint8Array {
  return (length) => {
    if (length === 32) return dek.slice();
    if (length === 12) return wrapNonce.slice();
    throw new Error(`unexpected randomBytes(${length})`);
  };
}

async function storeVector(plaintext: Uint8Array): Promise<{ body: Uint8Array; record: string }> {
  const inner = memoryDriver();
  const enc = createStorage(withEncryption(inner, { keyring: keyring({ keys: [{ id: kid, secret }] }), randomBytes: fixedRandom() }));
  await enc.put(objectKey, plaintext);
  const stored = (await createStorage(inner).get(objectKey))!;
  expect(await (await enc.get(objectKey))!.bytes()).toEqual(plaintext);
  return { body: await stored.bytes(), record: stored.metadata[recordField]! };
}

/** An independent implementation of format v1 on node:crypto, from the README's description. */
function reference(plaintext: Uint8Array): { body: Uint8Array; record: string } {
  const header = Buffer.from([0x53, 0x54, 0x57, 0x45, 0x01, 0x10, 0x00, 0x00]);
  const parts: Buffer[] = [header];
  const count = Math.max(1, Math.ceil(plaintext.length / 65536));
  for (let index = 0; index < count; index++) {
    const nonce = Buffer.alloc(12);
    nonce.writeBigUInt64BE(BigInt(index), 0);
    nonce[11] = index === count - 1 ? 1 : 0;
    const cipher = createCipheriv("aes-256-gcm", dek, nonce);
    cipher.setAAD(header);
    parts.push(cipher.update(plaintext.subarray(index * 65536, (index + 1) * 65536)), cipher.final(), cipher.getAuthTag());
  }
  const kek = Buffer.from(hkdfSync("sha256", Buffer.from(secret), Buffer.alloc(0), Buffer.from(`stowage-enc/1 kek ${kid}`), 32));
  const wrap = createCipheriv("aes-256-gcm", kek, wrapNonce);
  wrap.setAAD(Buffer.from(`stowage-enc/1\n${kid}\n${objectKey}`));
  const wrapped = Buffer.concat([wrapNonce, wrap.update(dek), wrap.final(), wrap.getAuthTag()]);
  return { body: new Uint8Array(Buffer.concat(parts)), record: `1.${kid}.${wrapped.toString("base64url")}` };
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

const expectedRecord = "1.kat-1.oKGio6SlpqeoqaqrNx5UxFL19Jw57Bzk9UBxvs-COB20is5zbG4F-Gt_fNJ845CNJIQNnP58w_SSh0ts";

describe("known-answer vectors (format v1)", () => {
  it("a short plaintext: header, its one segment and the record", async () => {
    const plaintext = new TextEncoder().encode("hello, stowage");
    const { body, record } = await storeVector(plaintext);
    expect(hex(body.subarray(0, 8))).toBe("5354574501100000");
    expect(hex(body.subarray(8))).toBe("7db3d3902bd8106d7a4126588bc39882b28dfb4f67e08bd652bafff757af");
    expect(record).toBe(expectedRecord);
    expect({ body: hex(body), record }).toEqual({ body: hex(reference(plaintext).body), record: reference(plaintext).record });
  });

  it("a 65537-byte plaintext (byte i = i mod 251): a full first segment and a 1-byte last one", async () => {
    const plaintext = Uint8Array.from({ length: 65537 }, (_, index) => index % 251);
    const { body, record } = await storeVector(plaintext);
    expect(body.length).toBe(8 + 65537 + 32);
    expect(hex(body.subarray(0, 8))).toBe("5354574501100000");
    expect(hex(body.subarray(8, 40))).toBe("0ebdb7ddb12985ba00a1a33e14219f96c25244403c9476389887a998d9e24349");
    expect(sha256(body.subarray(8, 8 + 65552))).toBe("e82929cb93c426e3429a4ec08c2660636920e6e6de3174852eb30f5c59efe6d7");
    expect(hex(body.subarray(8 + 65552))).toBe("8feea908edfe28551df2c58ba0b826f510");
    expect(record).toBe(expectedRecord);
    expect({ body: hex(body), record }).toEqual({ body: hex(reference(plaintext).body), record: reference(plaintext).record });
  });
});
