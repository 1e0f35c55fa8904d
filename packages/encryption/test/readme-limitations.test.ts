import { describe, expect, it } from "vitest";
import { createStorage } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { withEncryption } from "@stowage/encryption";
import { testKeys } from "./encryption-helpers.js";

// README "Threat model: does not protect". These tests document a
// limitation: if one starts failing, the limitation is gone and the README
// should say so.

describe("README: documented limitations", () => {
  it("rollback is not detected: an older body and record of the same key read back as the old plaintext, without error", async () => {
    const inner = memoryDriver();
    const raw = createStorage(inner);
    const enc = createStorage(withEncryption(inner, { keyring: testKeys }));
    await enc.put("doc", "version one", { contentType: "text/plain" });
    const old = (await raw.get("doc"))!;
    const oldBody = await old.bytes();
    await enc.put("doc", "version two", { contentType: "text/plain" });
    expect(await (await enc.get("doc"))!.text()).toBe("version two");

    // Someone with write access to the backend (no keys) puts the older body and record back.
    await raw.put("doc", oldBody, { metadata: old.metadata, contentType: old.contentType });

    const read = (await enc.get("doc"))!;
    expect(await read.text()).toBe("version one");
    expect((await enc.head("doc"))!.size).toBe("version one".length);
  });
});
