import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rmSync } from "node:fs";
import type { Storage } from "@stowage/core";
import { normaliseOutput, openTestStorage, realS3Targets, runCli, seed, tempFileUrl, uniquePrefix } from "./cli-harness.ts";

describe("stowage stat on file: (spawned binary)", () => {
  const { dir, url } = tempFileUrl();
  let storage: Storage;
  beforeAll(async () => {
    storage = await openTestStorage(url);
    await seed(storage, { "docs/report.pdf": { body: "%PDF-1.7 tiny", contentType: "application/pdf", metadata: { owner: "ada", "x-rev": "3" } } });
    await storage.put("styled.css", "a{}", { contentType: "text/css", cacheControl: "max-age=60", contentDisposition: "inline" });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("prints every field, metadata sorted (plain output snapshot)", async () => {
    const info = (await storage.head("docs/report.pdf"))!;
    const result = await runCli(["stat", `${url}#docs/report.pdf`]);
    expect(result.code).toBe(0);
    expect(normaliseOutput(result.stdout, [info.etag])).toMatchInlineSnapshot(`
      "key:            docs/report.pdf
      size:           13
      etag:           <etag>
      lastModified:   <time>
      contentType:    application/pdf
      metadata.owner: ada
      metadata.x-rev: 3
      "
    `);
    const styled = await runCli(["stat", `${url}#styled.css`]);
    const etag = (await storage.head("styled.css"))!.etag;
    expect(normaliseOutput(styled.stdout, [etag])).toMatchInlineSnapshot(`
      "key:                styled.css
      size:               3
      etag:               <etag>
      lastModified:       <time>
      contentType:        text/css
      cacheControl:       max-age=60
      contentDisposition: inline
      "
    `);
  });

  it("--json prints the ObjectInfo", async () => {
    const info = (await storage.head("docs/report.pdf"))!;
    const result = await runCli(["stat", "--json", `${url}#docs/report.pdf`]);
    expect(JSON.parse(result.stdout)).toEqual({
      key: "docs/report.pdf",
      size: 13,
      etag: info.etag,
      lastModified: info.lastModified.toISOString(),
      contentType: "application/pdf",
      metadata: { owner: "ada", "x-rev": "3" },
    });
  });

  it("a missing key is NotFound (exit 1, one line)", async () => {
    expect(await runCli(["stat", `${url}#nope.txt`])).toEqual({ code: 1, stdout: "", stderr: "stowage: NotFound: nope.txt does not exist\n" });
  });

  it("no key, or two locations, is a usage error (exit 2)", async () => {
    const noKey = await runCli(["stat", url]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toBe(`stowage: Usage: stat needs a key: ${url}#path/to/key\n`);
    const two = await runCli(["stat", `${url}#a`, `${url}#b`]);
    expect(two).toMatchObject({ code: 2, stderr: "stowage: Usage: stat takes 1 argument (got 2; see stowage stat --help)\n" });
  });

  it("an invalid key is InvalidKey from the storage", async () => {
    const result = await runCli(["stat", `${url}#../escape`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^stowage: InvalidKey: /);
  });
});

for (const { label, target } of realS3Targets()) {
  describe.skipIf(target === null)(`stowage stat on ${label}`, () => {
    const prefix = uniquePrefix("stat");
    let storage: Storage;
    beforeAll(async () => {
      storage = await openTestStorage(target!.url, target!.env);
      await seed(storage, { [`${prefix}a.json`]: { body: "{}", contentType: "application/json", metadata: { k: "v" } } });
    });
    afterAll(async () => {
      await storage?.deletePrefix(prefix);
    });

    it("stat through the path-as-key form", async () => {
      const key = `${prefix}a.json`;
      const result = await runCli(["stat", "--json", target!.url.replace("?", `/${key}?`)], { env: target!.env });
      expect(result).toMatchObject({ code: 0, stderr: "" });
      expect(JSON.parse(result.stdout)).toMatchObject({ key, size: 2, contentType: "application/json", metadata: { k: "v" } });
    });
  });
}
