import { execFileSync } from "node:child_process";
import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { createStorage, isStorageError } from "@stowage/core";
import { fsDriver } from "@stowage/fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runChild } from "./child-bundle.js";
import { leftoverFiles, removeRoot, tempRoot } from "./temp-root.js";

/** Mounts a small tmpfs (needs root); returns false when mounting is not allowed here. */
function mountTmpfs(directory: string, size: string): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", directory], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function remount(directory: string, mode: "ro" | "rw"): void {
  execFileSync("mount", ["-o", `remount,${mode}`, directory], { stdio: "ignore" });
}

const isRoot = process.getuid?.() === 0;

describe("disk errors surface as typed errors and keep the old value", () => {
  let base: string;
  let mountPoint: string;
  let mounted = false;
  // A driver holds its root open: close them all before unmounting.
  const drivers: Array<ReturnType<typeof fsDriver>> = [];
  const open = (root: string) => {
    const driver = fsDriver({ root, cleanupOnStart: false });
    drivers.push(driver);
    return createStorage(driver);
  };
  beforeAll(async () => {
    base = await tempRoot("disk");
    mountPoint = join(base, "mnt");
    await mkdir(mountPoint);
    mounted = isRoot && mountTmpfs(mountPoint, "1m");
    if (!mounted) console.warn("disk-errors: cannot mount a tmpfs here (needs root); the tmpfs cases are skipped");
  });
  afterAll(async () => {
    await Promise.all(drivers.map((driver) => driver.close()));
    if (mounted) execFileSync("umount", [mountPoint], { stdio: "ignore" });
    await removeRoot(base);
  });

  it("a full disk gives Unavailable (retryable); the old value stays and no temporary file is left", async (context) => {
    if (!mounted) context.skip("needs root to mount a 1 MiB tmpfs");
    const root = join(mountPoint, "full");
    const storage = open(root);
    await storage.put("dir/big", "old value");
    const tooBig = new Uint8Array(2 * 1024 * 1024).fill(7);
    for (const body of [tooBig, new Blob([tooBig]).stream() as ReadableStream<Uint8Array>]) {
      const error = await storage.put("dir/big", body).catch((caught: unknown) => caught);
      expect(isStorageError(error, "Unavailable"), String(error)).toBe(true);
      expect((error as { retryable: boolean }).retryable).toBe(true);
      expect(await (await storage.get("dir/big"))!.text()).toBe("old value");
      expect(await leftoverFiles(root)).toEqual([]);
    }
    // Space comes back once the failed temporary files are gone.
    await storage.put("dir/small", new Uint8Array(256 * 1024));
    await storage.delete(["dir/small", "dir/big"]);
  });

  it("a read-only file system gives PermissionDenied on put and delete; the old value stays readable", async (context) => {
    if (!mounted) context.skip("needs root to mount a tmpfs");
    const root = join(mountPoint, "readonly");
    const storage = open(root);
    await storage.put("a/b", "old value", { contentType: "text/plain" });
    remount(mountPoint, "ro");
    try {
      // One at a time: a promise created early could reject before its catch is attached.
      const attempts = [() => storage.put("a/b", "new value"), () => storage.put("c/d", "new"), () => storage.delete("a/b")];
      for (const attempt of attempts) {
        const error = await attempt().catch((caught: unknown) => caught);
        expect(isStorageError(error, "PermissionDenied"), String(error)).toBe(true);
        expect((error as { retryable: boolean }).retryable).toBe(false);
      }
      const object = await storage.get("a/b");
      expect(await object!.text()).toBe("old value");
      expect(object!.contentType).toBe("text/plain");
    } finally {
      remount(mountPoint, "rw");
    }
    expect(await leftoverFiles(root)).toEqual([]);
  });

  it("a directory the process may not write gives PermissionDenied (run as an unprivileged user)", async (context) => {
    if (!isRoot) context.skip("needs root to start a child as another user");
    const root = join(base, "owned");
    const storage = open(root);
    await storage.put("a/b", "old value");
    await chmod(base, 0o755);
    await chmod(root, 0o755);
    const result = await runChild("put-worker.mjs", { root, key: "a/b", body: "new value" }, { uid: 65534, gid: 65534 });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("PermissionDenied:false");
    expect(await (await storage.get("a/b"))!.text()).toBe("old value");
  });
});
