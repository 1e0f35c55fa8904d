/// <reference types="node" />
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isStorageError } from "@stowage/core";
import { keyring } from "@stowage/encryption";
import { openStorage } from "../src/index.js";
import { encryptionLoadFailure } from "../src/encryption-option.js";

const directories: string[] = [];
afterAll(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

const secret = Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");
const keysVariable = `2026-11:${secret},2026-05:${Buffer.from("fedcba9876543210fedcba9876543210").toString("base64")}`;
const signingSecret = "0123456789abcdef0123456789abcdef";

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(isStorageError(error), `expected a StorageError, got ${String(error)}`).toBe(true);
  return error as { code?: string; message: string };
}

describe("openStorage: encryption", () => {
  it("STORAGE_ENCRYPTION_KEYS wraps the driver with withEncryption: objects are stored encrypted under the first key", async () => {
    const root = await mkdtemp(join(tmpdir(), "stowage-open-enc-"));
    directories.push(root);
    const env = { STORAGE_URL: `file://${root}`, STORAGE_ENCRYPTION_KEYS: keysVariable };
    const storage = await openStorage({ env });
    expect(storage.driver.name).toBe("fs+encryption");
    await storage.put("notes/a.txt", "top secret text", { contentType: "text/plain" });
    expect(await (await storage.get("notes/a.txt"))!.text()).toBe("top secret text");
    expect((await storage.head("notes/a.txt"))!.size).toBe(15);

    const inner = await openStorage({ env, encryption: false });
    expect(inner.driver.name).toBe("fs");
    const stored = (await inner.get("notes/a.txt"))!;
    expect(stored.metadata["stowage-enc"]).toMatch(/^1\.2026-11\./);
    const bytes = await stored.bytes();
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe("STWE");
    expect(Buffer.from(bytes).includes(Buffer.from("secret"))).toBe(false);
    const files = await readdir(root, { recursive: true });
    for (const file of files) {
      const path = join(root, String(file));
      const content = await readFile(path).catch(() => undefined);
      if (content !== undefined) expect(content.includes(Buffer.from("top secret")), path).toBe(false);
    }
  });

  it("refuses a secret shorter than 32 bytes with the keyring's error, and a malformed variable", async () => {
    const short = await rejection(openStorage({ env: { STORAGE_URL: "memory://", STORAGE_ENCRYPTION_KEYS: `k1:${Buffer.from("too short").toString("base64")}` } }));
    expect(short.code).toBe("InvalidArgument");
    expect(short.message).toMatch(/shorter than 32 bytes/);
    const malformed = await rejection(openStorage({ env: { STORAGE_URL: "memory://", STORAGE_ENCRYPTION_KEYS: "no-colon" } }));
    expect(malformed.code).toBe("InvalidArgument");
    expect(malformed.message).not.toContain(secret);
  });

  it("the encryption option takes a keyring; plaintext: allow reads an unencrypted object", async () => {
    const keys = keyring({ keys: [{ id: "a", secret: "a-secret-of-at-least-32-bytes-0123456789" }] });
    const strict = await openStorage({ url: "memory://", encryption: { keyring: keys } });
    expect(strict.driver.name).toBe("memory+encryption");
    expect(strict.capabilities.multipartUpload).toBe(false);
    const wrong = await rejection(openStorage({ url: "memory://", encryption: { keyring: keys, keys: "x" } as never }));
    expect(wrong.code).toBe("InvalidArgument");
    const noKeyring = await rejection(openStorage({ url: "memory://", encryption: {} as never }));
    expect(noKeyring.message).toMatch(/needs a keyring/);

    const root = await mkdtemp(join(tmpdir(), "stowage-open-plain-"));
    directories.push(root);
    await (await openStorage({ url: `file://${root}`, encryption: false, env: { STORAGE_ENCRYPTION_KEYS: keysVariable } })).put("old.txt", "legacy");
    const refused = await rejection((await openStorage({ url: `file://${root}`, encryption: { keyring: keys } })).get("old.txt"));
    expect(refused.code).toBe("Corrupted");
    const allowed = await openStorage({ url: `file://${root}`, encryption: { keyring: keys, plaintext: "allow" } });
    expect(await (await allowed.get("old.txt"))!.text()).toBe("legacy");
    const fromEnv = await openStorage({ url: `file://${root}`, env: { STORAGE_ENCRYPTION_KEYS: keysVariable, STORAGE_ENCRYPTION_PLAINTEXT: "allow" } });
    expect(await (await fromEnv.get("old.txt"))!.text()).toBe("legacy");
  });

  it("signed URLs go through the gateway signer only: on S3 native presigning is off without signing", async () => {
    const env = { STORAGE_ENCRYPTION_KEYS: keysVariable, AWS_ACCESS_KEY_ID: "id", AWS_SECRET_ACCESS_KEY: "secret" };
    const s3 = await openStorage({ url: "s3://bucket?region=us-east-1&endpoint=http://127.0.0.1:9&forcePathStyle=true&profile=ceph-rgw", env });
    expect(s3.driver.name).toBe("s3+encryption");
    expect(s3.capabilities.signGet).toBe(false);
    expect(s3.capabilities.signPut).toBe(false);
    const signed = await openStorage({
      url: "s3://bucket?region=us-east-1&endpoint=http://127.0.0.1:9&forcePathStyle=true&profile=ceph-rgw",
      env: { ...env, STORAGE_SIGNING_SECRETS: `s1:${signingSecret}`, STORAGE_SIGNING_BASE_URL: "https://app.example.com/__storage" },
    });
    expect((await signed.signGet("a.txt")).url.startsWith("https://app.example.com/__storage/a.txt?")).toBe(true);
    const memory = await openStorage({
      env: { STORAGE_URL: "memory://", STORAGE_ENCRYPTION_KEYS: keysVariable, STORAGE_SIGNING_SECRETS: `s1:${signingSecret}`, STORAGE_SIGNING_BASE_URL: "https://app.example.com/s" },
    });
    expect(memory.driver.name).toBe("memory+encryption");
    expect((await memory.signPut("b.bin", { maxSize: 10 })).url.startsWith("https://app.example.com/s/b.bin?")).toBe(true);
  });

  it("names @stowage/encryption when it is not installed", () => {
    const missing = Object.assign(new Error("Cannot find package '@stowage/encryption' imported from /app/node_modules/@stowage/open/dist/index.js"), { code: "ERR_MODULE_NOT_FOUND" });
    const failure = encryptionLoadFailure(missing);
    expect(failure.code).toBe("Unsupported");
    expect(failure.message).toContain('npm install @stowage/encryption');
    expect(failure.message).toContain("STORAGE_ENCRYPTION_KEYS");
    expect(failure.cause).toBe(missing);
  });
});
