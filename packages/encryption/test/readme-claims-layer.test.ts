import { describe, expect, it } from "vitest";
import { createStorage, sha256Hex } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { encryptedSize, recordField, withEncryption } from "@stowage/encryption";
import { lazyStream, pattern, testKeys } from "./encryption-helpers.js";
import { recording } from "./readme-claims-helpers.js";

// Each test checks one claim of packages/encryption/README.md ("Behaviour
// through the layer", "Capabilities", "Errors") that no other test shows.

describe("README: behaviour through the layer", () => {
  it("list: a plaintext object in the bucket (not the format's size) lists with its own stored size", async () => {
    const inner = memoryDriver();
    const enc = createStorage(withEncryption(inner, { keyring: testKeys }));
    await createStorage(inner).put("plain", "0123456789"); // 10 bytes: below the format's 24-byte minimum
    await enc.put("sealed", "0123456789");
    const listed = Object.fromEntries((await enc.list()).objects.map((object) => [object.key, object.size]));
    expect(listed).toEqual({ plain: 10, sealed: 10 });
  });

  it("copy is pinned to the source etag the layer read (the inner copy gets ifMatch)", async () => {
    const inner = memoryDriver();
    const { driver, calls } = recording(inner);
    const enc = createStorage(withEncryption(driver, { keyring: testKeys }));
    const source = await enc.put("from", "body");
    await enc.copy("from", "to");
    expect(calls.copy).toHaveLength(1);
    expect(calls.copy[0]!.options.ifMatch).toBe(source.etag);
    expect(await (await enc.get("to"))!.text()).toBe("body");
  });

  it("copy: a source overwritten between the layer's read and its copy makes the copy fail and retry, never the new body under the old record", async () => {
    const inner = memoryDriver();
    const writer = createStorage(withEncryption(inner, { keyring: testKeys }));
    const { driver, calls } = recording(inner, {
      beforeCopy: async (call) => {
        if (call === 1) await writer.put("from", "second body");
      },
    });
    const enc = createStorage(withEncryption(driver, { keyring: testKeys }));
    const first = await enc.put("from", "first body");
    await enc.copy("from", "to");
    const second = (await createStorage(inner).head("from"))!;
    // The first inner copy was pinned to the etag read, so it failed; the layer read again and copied the new source.
    expect(calls.copy.map((call) => call.options.ifMatch)).toEqual([first.etag, second.etag]);
    expect(await (await enc.get("to"))!.text()).toBe("second body");
  });

  it("move through Storage: copies pinned to the source etag, then deletes the source at that etag", async () => {
    const inner = memoryDriver();
    const { driver, calls } = recording(inner);
    const enc = createStorage(withEncryption(driver, { keyring: testKeys }));
    const source = await enc.put("from", "moved");
    await enc.move("from", "to");
    expect(calls.copy.map((call) => call.options.ifMatch)).toEqual([source.etag]);
    expect(calls.delete).toHaveLength(1);
    expect(calls.delete[0]!.keys).toEqual(["from"]);
    expect(calls.delete[0]!.options.ifMatch).toBe(source.etag);
    expect(await enc.head("from")).toBeNull();
    expect(await (await enc.get("to"))!.text()).toBe("moved");
  });

  it("move through Storage: a source overwritten during the move is left in place (the delete at the copied etag fails)", async () => {
    const inner = memoryDriver();
    const writer = createStorage(withEncryption(inner, { keyring: testKeys }));
    let overwrite = true;
    const { driver } = recording(inner);
    const layered = withEncryption(driver, { keyring: testKeys });
    const copy = layered.copy!;
    layered.copy = async (from, to, options) => {
      const info = await copy(from, to, options);
      if (overwrite) {
        overwrite = false;
        await writer.put("from", "newer");
      }
      return info;
    };
    const enc = createStorage(layered);
    await enc.put("from", "older");
    await expect(enc.move("from", "to")).rejects.toMatchObject({ code: "PreconditionFailed" });
    expect(await (await enc.get("from"))!.text()).toBe("newer");
    expect(await (await enc.get("to"))!.text()).toBe("older");
  });

  it("put: the inner driver gets no sha256 and the encrypted size", async () => {
    const inner = memoryDriver();
    const { driver, calls } = recording(inner);
    const enc = createStorage(withEncryption(driver, { keyring: testKeys }));
    const size = 3 * 65_536 + 7;
    const body = pattern(size);
    const digest = await sha256Hex(body);
    await enc.put("streamed", lazyStream(size, 10_000), { size, sha256: digest });
    await enc.put("bytes", body, { sha256: digest });
    expect(calls.put.map((call) => call.key)).toEqual(["streamed", "bytes"]);
    for (const call of calls.put) {
      expect(call.options.sha256, call.key).toBeUndefined();
      expect(call.options.size, call.key).toBe(encryptedSize(size));
      expect(call.options.metadata?.[recordField], call.key).toMatch(/^1\.k1\./);
    }
    expect((await enc.head("streamed"))!.size).toBe(size);
    expect(await (await enc.get("streamed"))!.bytes()).toEqual(body);
  });
});

describe("README: capabilities", () => {
  it("without an inner copy, copyIfMatch and copyIfNotExists come from the inner conditionalGet and putIfNotExists", () => {
    for (const conditionalGet of [true, false]) {
      for (const putIfNotExists of [true, false]) {
        const { driver } = recording(memoryDriver(), { withoutCopy: true, overrides: { conditionalGet, putIfNotExists } });
        const caps = withEncryption(driver, { keyring: testKeys }).capabilities;
        const label = `conditionalGet ${conditionalGet}, putIfNotExists ${putIfNotExists}`;
        expect(caps.copy, label).toBe(true);
        expect(caps.serverSideCopy, label).toBe(false);
        expect(caps.copyIfMatch, label).toBe(conditionalGet);
        expect(caps.copyIfNotExists, label).toBe(putIfNotExists);
      }
    }
  });

  it("with an inner copy, copyIfMatch and copyIfNotExists are the inner copy's, whatever conditionalGet and putIfNotExists say", () => {
    for (const copyFlag of [true, false]) {
      const { driver } = recording(memoryDriver(), {
        overrides: { copyIfMatch: copyFlag, copyIfNotExists: copyFlag, conditionalGet: !copyFlag, putIfNotExists: !copyFlag },
      });
      const caps = withEncryption(driver, { keyring: testKeys }).capabilities;
      expect(caps.copyIfMatch).toBe(copyFlag);
      expect(caps.copyIfNotExists).toBe(copyFlag);
      expect(caps.serverSideCopy).toBe(true);
    }
  });

  it("without an inner copy, a copy streams get into put, pinned with the get's ifMatch, and copies", async () => {
    const inner = memoryDriver();
    const { driver, calls } = recording(inner, { withoutCopy: true });
    const enc = createStorage(withEncryption(driver, { keyring: testKeys }));
    const source = await enc.put("from", "streamed copy");
    calls.get.length = 0;
    const copied = await enc.copy("from", "to");
    expect(calls.get.map((call) => [call.key, call.options.ifMatch])).toEqual([["from", source.etag]]);
    expect(calls.put.map((call) => call.key)).toEqual(["from", "to"]);
    expect(copied.size).toBe("streamed copy".length);
    expect(await (await enc.get("to"))!.text()).toBe("streamed copy");
  });
});

describe("README: errors", () => {
  it("an upload session through Storage over the layer is Unsupported with the layer's hint, even when the inner driver has sessions", async () => {
    const inner = memoryDriver({ signing: { secrets: [{ id: "s1", secret: "signing-secret-0123456789abcdef0123" }], baseUrl: "https://example.test/__storage" } });
    expect(inner.capabilities.multipartUpload).toBe(true);
    const enc = createStorage(withEncryption(inner, { keyring: testKeys }));
    await expect(enc.uploads.create("big", { size: 10 })).rejects.toMatchObject({
      code: "Unsupported",
      message: expect.stringContaining("parts would reach the backend unencrypted"),
    });
    expect(await createStorage(inner).head("big")).toBeNull();
  });
});
