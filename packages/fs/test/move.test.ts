import { readdir } from "node:fs/promises";
import { createStorage, type Storage } from "@stowage/core";
import { fsDriver, type FsDriver } from "@stowage/fs";
import { threadPoolCalls } from "../src/fs-calls.js";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { codeOf, patternBytes, sha256, storedHash } from "./copy-tools.js";
import { leftoverFiles, namesIn, removeRoot, tempRoot } from "./temp-root.js";

describe.each([true, false])("move (blocking: %s)", (blocking) => {
  let root: string;
  let driver: FsDriver;
  let storage: Storage;
  beforeAll(async () => {
    root = await tempRoot("move");
    driver = fsDriver({ root, blocking });
    storage = createStorage(driver);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    expect(await leftoverFiles(root)).toEqual([]);
  });
  afterAll(async () => {
    await driver.close();
    await removeRoot(root);
  });

  it("is the driver's own (not copy + delete): one kernel copy, then the source is gone and its empty directories removed", async () => {
    expect(typeof driver.move).toBe("function");
    const body = patternBytes(2 * 1024 * 1024, 7);
    const source = await storage.put("m/a/b/source", body, { contentType: "image/png", contentDisposition: "inline", metadata: { k: "v" } });
    const copyFile = vi.spyOn(threadPoolCalls, "copyFile");
    const moved = await storage.move("m/a/b/source", "m/elsewhere/target-with-a-longer-key");
    expect(copyFile).toHaveBeenCalledTimes(1);
    expect(moved.etag).not.toBe(source.etag);
    expect(await storage.head("m/a/b/source")).toBeNull();
    const target = await storage.head("m/elsewhere/target-with-a-longer-key");
    expect(target).toEqual(moved);
    expect(target).toMatchObject({ size: body.byteLength, contentType: "image/png", contentDisposition: "inline", metadata: { k: "v" } });
    expect(await storedHash(storage, "m/elsewhere/target-with-a-longer-key")).toBe(sha256(body));
    expect(await namesIn(`${root}/m%`)).toEqual(["elsewhere%"]);
  });

  it("conditions: a stale ifMatch, an existing target with ifNotExists and a missing source leave both keys as they were", async () => {
    const old = await storage.put("c/source", "one");
    await storage.put("c/source", "two");
    await storage.put("c/target", "kept");
    expect(await codeOf(storage.move("c/source", "c/new", { ifMatch: old.etag }))).toBe("PreconditionFailed");
    expect(await codeOf(storage.move("c/source", "c/target", { ifNotExists: true }))).toBe("AlreadyExists");
    expect(await codeOf(storage.move("c/missing", "c/new"))).toBe("NotFound");
    expect(await codeOf(storage.move("nowhere/missing", "fresh/dirs/new"))).toBe("NotFound");
    expect(await (await storage.get("c/source"))!.text()).toBe("two");
    expect(await (await storage.get("c/target"))!.text()).toBe("kept");
    expect(await storage.exists("c/new")).toBe(false);
    // The target's directories made for the failed move are removed again.
    expect(await namesIn(root)).not.toContain("fresh%");
    const current = await storage.head("c/source");
    await storage.move("c/source", "c/new", { ifMatch: current!.etag });
    expect(await (await storage.get("c/new"))!.text()).toBe("two");
  });

  it("a plain put of the source landing after the target was published is kept: the move fails and says so", async () => {
    await storage.put("r/source", "moved version");
    const other = createStorage(fsDriver({ root }));
    const rename = threadPoolCalls.rename;
    let injected = false;
    vi.spyOn(threadPoolCalls, "rename").mockImplementation(async (from, to) => {
      await rename(from, to);
      // The move publishes its target with rename(2); right after, another driver overwrites the source.
      if (!injected && from.includes("%tmp-") && !to.includes("%tmp-")) {
        injected = true;
        await other.put("r/source", "newer version");
      }
    });
    expect(await codeOf(storage.move("r/source", "r/target"))).toBe("PreconditionFailed");
    expect(injected).toBe(true);
    vi.restoreAllMocks();
    expect(await (await storage.get("r/source"))!.text()).toBe("newer version");
    expect(await (await storage.get("r/target"))!.text()).toBe("moved version");
  });

  it("racing plain overwrites of its source through another driver, a move never loses a write (100 rounds)", async () => {
    const other = createStorage(fsDriver({ root, blocking: !blocking }));
    const outcomes = new Map<string, number>();
    for (let round = 0; round < 100; round++) {
      const from = `race/${round}/from`;
      const to = `race/${round}/to`;
      await storage.put(from, "v0");
      const [moved] = await Promise.all([codeOf(storage.move(from, to)), other.put(from, "v1")]);
      const source = await storage.get(from);
      const target = await storage.get(to);
      const state = `${moved} from=${source === null ? "-" : await source.text()} to=${target === null ? "-" : await target.text()}`;
      outcomes.set(state, (outcomes.get(state) ?? 0) + 1);
      // v1 is somewhere; and the source is gone exactly when the move succeeded with what was there.
      expect(["ok from=- to=v1", "ok from=v1 to=v0", "PreconditionFailed from=v1 to=v0"]).toContain(state);
    }
    expect([...outcomes.values()].reduce((a, b) => a + b)).toBe(100);
    console.log(`move racing a put (blocking: ${blocking}):`, JSON.stringify(Object.fromEntries(outcomes)));
  });

  it("moves in opposite directions at once do not deadlock; of moves of one source to many targets exactly one succeeds", async () => {
    for (let round = 0; round < 10; round++) {
      await storage.put(`x/${round}/a`, "a");
      await storage.put(`x/${round}/b`, "b");
      const results = await Promise.all([codeOf(storage.move(`x/${round}/a`, `x/${round}/b`)), codeOf(storage.move(`x/${round}/b`, `x/${round}/a`))]);
      // Under the two locks one runs after the other: both succeed, and one object is left.
      expect(results).toEqual(["ok", "ok"]);
      expect((await storage.list({ prefix: `x/${round}/` })).objects).toHaveLength(1);
    }
    for (let round = 0; round < 5; round++) {
      await storage.put(`one/${round}/source`, `payload ${round}`);
      const results = await Promise.all(Array.from({ length: 8 }, (_, index) => codeOf(storage.move(`one/${round}/source`, `one/${round}/t${index}`))));
      expect(results.filter((result) => result === "ok")).toHaveLength(1);
      expect(results.filter((result) => result === "NotFound")).toHaveLength(7);
      const listed = await storage.list({ prefix: `one/${round}/` });
      expect(listed.objects.map((object) => object.key)).toEqual([`one/${round}/t${results.indexOf("ok")}`]);
    }
  });

  it("aborted before it publishes, it leaves both keys and no temporary file", async () => {
    await storage.put("ab/source", patternBytes(1024 * 1024, 8));
    const controller = new AbortController();
    const copyFile = threadPoolCalls.copyFile;
    vi.spyOn(threadPoolCalls, "copyFile").mockImplementation(async (...args) => {
      controller.abort();
      return copyFile(...args);
    });
    expect(await codeOf(storage.move("ab/source", "ab/target", { signal: controller.signal }))).toBe("Aborted");
    expect(await storage.exists("ab/source")).toBe(true);
    expect(await storage.exists("ab/target")).toBe(false);
    expect((await readdir(`${root}/ab%`)).sort()).toEqual(["source"]);
  });
});
