import { readlink, readdir } from "node:fs/promises";
import { createStorage, isStorageError } from "@stowage/core";
import { fsDriver } from "@stowage/fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { leftoverFiles, removeRoot, tempRoot } from "./temp-root.js";

/** The paths this process holds open. */
async function openPaths(): Promise<string[]> {
  const descriptors = await readdir("/proc/self/fd");
  return Promise.all(descriptors.map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => "")));
}

describe("fsDriver options and lifecycle", () => {
  let root: string;
  beforeEach(async () => {
    root = await tempRoot("options");
  });
  afterEach(() => removeRoot(root));

  it("a misspelt option is refused with InvalidArgument naming it and the nearest known one", () => {
    for (const [options, named, suggested] of [
      [{ root, durabel: true }, "durabel", "durable"],
      [{ root, filemode: 0o600 }, "filemode", "fileMode"],
      [{ root, dirMode: 0o700 }, "dirMode", "directoryMode"],
      [{ root, cleanUpOnStart: false }, "cleanUpOnStart", "cleanupOnStart"],
    ] as const) {
      let caught: unknown;
      try {
        fsDriver(options as never);
      } catch (error) {
        caught = error;
      }
      expect(isStorageError(caught, "InvalidArgument"), String(caught)).toBe(true);
      expect((caught as Error).message).toContain(`"${named}"`);
      expect((caught as Error).message).toContain(suggested);
    }
  });

  it("modes must be permission bits that keep the owner's access", () => {
    for (const options of [{ fileMode: 0o400 }, { fileMode: 0o1644 }, { fileMode: "0644" }, { directoryMode: 0o600 }, { directoryMode: -1 }, { directoryMode: 448.5 }]) {
      expect(() => fsDriver({ root, ...options } as never), JSON.stringify(options)).toThrow(/fsDriver: (fileMode|directoryMode) must be/);
    }
    expect(() => fsDriver({ root, blocking: "no" } as never)).toThrow(/blocking must be true or false/);
  });

  it("on Linux the driver confines through directory descriptors; close waits for operations, releases the root, and refuses later calls", async () => {
    const driver = fsDriver({ root, cleanupOnStart: false });
    const storage = createStorage(driver);
    await driver.ready;
    expect(driver.raw.confinement).toBe("descriptor");
    expect((await openPaths()).filter((path) => path === root).length).toBe(1);
    // A put in flight: its body waits for a gate, after the driver made its temporary file.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await gate;
        controller.enqueue(new TextEncoder().encode("value"));
        controller.close();
      },
    });
    const pending = storage.put("a/b", body);
    while ((await leftoverFiles(root)).length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    let closed = false;
    const closing = driver.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    open();
    // The put that was in flight finished before the root was closed.
    await expect(pending).resolves.toMatchObject({ key: "a/b", size: 5 });
    await closing;
    expect(closed).toBe(true);
    expect((await openPaths()).filter((path) => path === root || path.startsWith(`${root}/`))).toEqual([]);
    await expect(storage.get("a/b")).rejects.toMatchObject({ code: "InvalidArgument" });
    const reopened = createStorage(fsDriver({ root, cleanupOnStart: false }));
    expect(await (await reopened.get("a/b"))!.text()).toBe("value");
  });
});
