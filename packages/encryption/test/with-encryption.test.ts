import { describe, expect, it } from "vitest";
import { createStorage, sha256Hex } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { keyring, keyringFromEnvironment, recordField, withEncryption } from "@stowage/encryption";
import { countingDriver, encryptedMemory, lazyStream, pattern, testKeys } from "./encryption-helpers.js";

const secret32 = btoa("x".repeat(32));

describe("keyring", () => {
  it("refuses a secret shorter than 32 bytes, saying how to make one", () => {
    expect(() => keyring({ keys: [{ id: "a", secret: "y".repeat(31) }] })).toThrow(
      expect.objectContaining({ code: "InvalidArgument", message: expect.stringContaining("openssl rand -base64 32") }),
    );
    expect(() => keyring({ keys: [{ id: "a", secret: new Uint8Array(31) }] })).toThrow(expect.objectContaining({ code: "InvalidArgument" }));
    expect(keyring({ keys: [{ id: "a", secret: new Uint8Array(32) }] }).primary).toBe("a");
  });

  it("refuses bad or repeated ids and an unknown primary; the first key is primary unless named", () => {
    for (const id of ["", "a b", "x".repeat(65), "é"]) expect(() => keyring({ keys: [{ id, secret: "y".repeat(32) }] })).toThrow(expect.objectContaining({ code: "InvalidArgument" }));
    expect(() => keyring({ keys: [{ id: "a", secret: "y".repeat(32) }, { id: "a", secret: "z".repeat(32) }] })).toThrow(/twice/);
    expect(() => keyring({ keys: [{ id: "a", secret: "y".repeat(32) }], primary: "b" })).toThrow(/primary/);
    expect(keyring({ keys: [{ id: "a", secret: "y".repeat(32) }, { id: "b", secret: "z".repeat(32) }], primary: "b" }).ids).toEqual(["b", "a"]);
  });

  it("reads STORAGE_ENCRYPTION_KEYS, first key primary, and refuses malformed values without echoing secrets", () => {
    const ring = keyringFromEnvironment(`new:${secret32}, old:${btoa("o".repeat(40))}`);
    expect(ring.primary).toBe("new");
    expect(ring.ids).toEqual(["new", "old"]);
    expect(keyringFromEnvironment(`new:${secret32},old:${secret32}`, { primary: "old" }).primary).toBe("old");
    expect(() => keyringFromEnvironment("")).toThrow(/openssl rand -base64 32/);
    expect(() => keyringFromEnvironment(undefined)).toThrow(expect.objectContaining({ code: "InvalidArgument" }));
    expect(() => keyringFromEnvironment("nocolon")).toThrow(/entry 1/);
    expect(() => keyringFromEnvironment(`a:${btoa("short")}`)).toThrow(/openssl rand -base64 32/);
    let message = "";
    try {
      keyringFromEnvironment("a:not*base64secretvalue");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/not base64/);
    expect(message).not.toContain("not*base64secretvalue");
  });

  it("an object written under an old key still reads once a new key is primary, and fails clearly once the old key is gone", async () => {
    const inner = memoryDriver();
    const a = { id: "old", secret: "o".repeat(32) };
    const b = { id: "new", secret: "n".repeat(32) };
    await createStorage(withEncryption(inner, { keyring: keyring({ keys: [a] }) })).put("k", "hello");
    const both = createStorage(withEncryption(inner, { keyring: keyring({ keys: [b, a] }) }));
    expect(await (await both.get("k"))!.text()).toBe("hello");
    const onlyNew = createStorage(withEncryption(inner, { keyring: keyring({ keys: [b] }) }));
    await expect(onlyNew.get("k")).rejects.toMatchObject({ code: "PermissionDenied", message: expect.stringContaining("key old is not in the keyring") });
  });
});

describe("withEncryption", () => {
  it("stores ciphertext with a record, and shows plaintext sizes and user metadata only", async () => {
    const { enc, raw } = encryptedMemory();
    const body = new TextEncoder().encode("secret text, secret text");
    await enc.put("k", body, { metadata: { a: "1" }, contentType: "text/plain" });
    const stored = (await raw.get("k"))!;
    const bytes = await stored.bytes();
    expect(bytes.length).toBe(8 + body.length + 16);
    expect(Buffer.from(bytes).includes(Buffer.from("secret"))).toBe(false);
    expect(Object.keys(stored.metadata).sort()).toEqual(["a", recordField]);
    const head = (await enc.head("k"))!;
    expect(head).toMatchObject({ size: body.length, metadata: { a: "1" }, contentType: "text/plain", etag: stored.etag });
    expect((await enc.list()).objects[0]).toMatchObject({ size: body.length });
    expect((await enc.list()).objects[0]!.metadata[recordField]).toBeUndefined();
  });

  it("refuses the reserved metadata field before the driver runs", async () => {
    const { enc, raw } = encryptedMemory();
    await expect(enc.put("k", "x", { metadata: { [recordField]: "1.k1.AAAA" } })).rejects.toMatchObject({ code: "InvalidArgument" });
    expect(await raw.head("k")).toBeNull();
    await enc.put("k", "x");
    await expect(enc.updateMetadata("k", { metadata: { [recordField]: "x" } })).rejects.toMatchObject({ code: "InvalidArgument" });
    await expect(enc.copy("k", "j", { metadata: { [recordField]: "x" } })).rejects.toMatchObject({ code: "InvalidArgument" });
  });

  it("refuses a plaintext object with Corrupted naming encryptExisting and plaintext: allow, and reads it as-is in migration mode", async () => {
    const { enc, raw, inner } = encryptedMemory();
    await raw.put("plain", "already here", { metadata: { a: "1" } });
    for (const read of [() => enc.get("plain"), () => enc.head("plain"), () => enc.get("plain", { range: { offset: 0, length: 1 } }), () => enc.copy("plain", "p2")]) {
      await expect(read()).rejects.toMatchObject({ code: "Corrupted", message: expect.stringMatching(/encryptExisting.*plaintext: "allow"/) });
    }
    const allow = createStorage(withEncryption(inner, { keyring: testKeys, plaintext: "allow" }));
    expect(await (await allow.get("plain"))!.text()).toBe("already here");
    expect(await (await allow.get("plain", { range: { offset: 8, length: 4 } }))!.text()).toBe("here");
    expect((await allow.head("plain"))!.size).toBe(12);
  });

  it("checks a streamed body's sha256 against the plaintext and commits nothing on a mismatch", async () => {
    const { enc, raw } = encryptedMemory();
    const body = pattern(200_000);
    const digest = await sha256Hex(body);
    const wrong = digest.replace(/^./, digest[0] === "0" ? "1" : "0");
    await expect(enc.put("k", lazyStream(200_000, 7000), { sha256: wrong })).rejects.toMatchObject({ code: "ChecksumMismatch" });
    expect(await raw.head("k")).toBeNull();
    // Called directly, without Storage's own check of the stream, the layer still refuses it.
    const layered = withEncryption(memoryDriver(), { keyring: testKeys });
    const direct = layered.put("k", lazyStream(200_000, 7000), { sha256: wrong, contentType: "application/octet-stream", metadata: {} });
    await expect(direct).rejects.toMatchObject({ code: "ChecksumMismatch" });
    expect(await layered.head("k", {})).toBeNull();
    await expect(layered.put("k", body, { sha256: wrong, contentType: "application/octet-stream", metadata: {} })).rejects.toMatchObject({ code: "ChecksumMismatch" });
    await enc.put("k", lazyStream(200_000, 7000), { sha256: digest });
    expect(await (await enc.get("k"))!.bytes()).toEqual(body);
  });

  it("copy and updateMetadata re-wrap the data key for the target and copy the stored bytes unchanged, server-side", async () => {
    const counting = countingDriver(memoryDriver());
    const enc = createStorage(withEncryption(counting.driver, { keyring: testKeys }));
    const raw = createStorage(counting.driver);
    const body = pattern(150_000);
    await enc.put("from", body, { metadata: { a: "1" } });
    counting.reset();
    await enc.copy("from", "to");
    await enc.updateMetadata("to", { metadata: { b: "2" } });
    await enc.move("to", "moved");
    expect(counting.bytesRead()).toBe(0);
    const from = (await raw.get("from"))!;
    const moved = (await raw.get("moved"))!;
    expect(await moved.bytes()).toEqual(await from.bytes());
    expect(moved.metadata[recordField]).not.toBe(from.metadata[recordField]);
    const read = (await enc.get("moved"))!;
    expect(read.metadata).toEqual({ b: "2" });
    expect(await read.bytes()).toEqual(body);
    expect(await raw.head("to")).toBeNull();
  });

  it("signs only through the gateway: no signing without `signing`, never the inner driver's native presign", async () => {
    const inner = memoryDriver({ signing: { secrets: [{ id: "s", secret: "s".repeat(40) }], baseUrl: "https://native.example/__storage" } });
    expect(inner.capabilities.signGet).toBe(true);
    const unsigned = withEncryption(inner, { keyring: testKeys });
    expect(unsigned.capabilities).toMatchObject({ signGet: false, signPut: false, multipartUpload: false, signUploadPart: false, sha256: true });
    expect(unsigned.signGet).toBeUndefined();
    expect(unsigned.capabilityHints?.signPut).toMatch(/gateway/);
    expect(unsigned.capabilityHints?.multipartUpload).toMatch(/unencrypted/);
    await expect(createStorage(unsigned).signGet("k")).rejects.toMatchObject({ code: "Unsupported" });
    const gateway = withEncryption(inner, { keyring: testKeys, signing: { secrets: [{ id: "g", secret: "g".repeat(40) }], baseUrl: "https://gateway.example/__storage" } });
    expect(gateway.capabilities).toMatchObject({ signGet: true, signPut: true, signPutMaxSize: true, signPutOneTime: true, multipartUpload: false });
    const signed = await createStorage(gateway).signGet("k");
    expect(signed.url.startsWith("https://gateway.example/__storage/k")).toBe(true);
  });
});

describe("what the layer declares to Storage", () => {
  it("a metadata budget of 2048 minus the largest record (158), so Storage refuses more before the inner driver runs", async () => {
    const memory = memoryDriver();
    const puts: string[] = [];
    const inner = { ...countingDriver(memory).driver, put: (key: string, body: never, options: never) => (puts.push(key), memory.put(key, body, options)) };
    const storage = createStorage(withEncryption(inner, { keyring: testKeys }));
    expect(storage.driver.maxMetadataBytes).toBe(1890);
    await expect(storage.put("over", "x", { metadata: { k: "v".repeat(1890) } })).rejects.toMatchObject({
      code: "InvalidArgument",
      message: expect.stringContaining("at most 1890 are allowed on this storage"),
    });
    expect(puts).toEqual([]);
    await storage.put("fits", "x", { metadata: { k: "v".repeat(1889) } });
    expect((await storage.head("fits"))?.metadata).toEqual({ k: "v".repeat(1889) });
  });

  it("public URLs are refused: they would serve ciphertext", () => {
    expect(() => createStorage(withEncryption(memoryDriver(), { keyring: testKeys }), { publicBaseUrl: "https://cdn.example.com/" })).toThrow(
      expect.objectContaining({ code: "Unsupported", message: expect.stringContaining("ciphertext") }),
    );
  });
});
