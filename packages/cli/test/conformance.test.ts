import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { conformanceCases } from "@stowage/conformance";
import { createStorage } from "@stowage/core";
import { s3Driver } from "@stowage/s3";
import { afterAll, describe, expect, it } from "vitest";
import { runCli, runCliInProcess } from "./cli-harness.ts";
import { rgwServer } from "./fixtures/s3-servers.ts";
import type { ConformanceReport } from "../src/conformance-report.ts";

const brokenDriver = `module:${fileURLToPath(new URL("./fixtures/broken-driver.mjs", import.meta.url))}`;
const directories: string[] = [];
async function scratchDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "stowage-cli-conformance-"));
  directories.push(directory);
  return directory;
}
afterAll(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

/** What the fs driver keeps under its root besides objects (its layout marker and upload sessions). */
async function objectsLeft(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? (entry as { path?: string }).path ?? "", entry.name).slice(root.length + 1))
    .filter((path) => !path.startsWith("%"));
}

describe("stowage conformance", () => {
  it("file: every case passes (signed URLs served by the command itself), exit 0, reports written, the scratch prefix is gone", async () => {
    const cwd = await scratchDirectory();
    const result = await runCli(["conformance", "file:./data", "--json", "report.json", "--markdown", "report.md"], {
      cwd,
      env: { STORAGE_SIGNING_SECRETS: undefined, STORAGE_SIGNING_BASE_URL: undefined },
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const report = JSON.parse(await readFile(join(cwd, "report.json"), "utf8")) as ConformanceReport;
    expect(report.summary).toEqual({ total: conformanceCases.length, passed: conformanceCases.length, failed: 0, skipped: 0, notRun: 0 });
    expect(report.cases.map((entry) => entry.name)).toEqual(conformanceCases.map((entry) => entry.name));
    expect(report.signing).toMatch(/^served locally at http:\/\/127\.0\.0\.1:\d+\/__storage/);
    expect(report.observed.driver).toBe("fs");
    expect(report.observed.on).toContain("signPut");
    expect(report.scratchPrefix).toMatch(/^stowage-conformance-[0-9a-f]{12}\/$/);
    expect(report.cleanup.errors).toEqual([]);
    expect(result.stdout).toContain(`PASS  ${conformanceCases[0]!.name}\n`);
    expect(result.stdout).toMatch(new RegExp(`\\n${conformanceCases.length} passed, 0 failed, 0 skipped \\(of ${conformanceCases.length}\\) in [\\d.]+ s\\n$`));
    expect(await readFile(join(cwd, "report.md"), "utf8")).toContain(`**${conformanceCases.length} passed, 0 failed, 0 skipped** of ${conformanceCases.length}`);
    expect(await objectsLeft(join(cwd, "data"))).toEqual([]);
  }, 300_000);

  it("a broken driver module: exit 1, the failing cases named on stdout and in --json, with reasons", async () => {
    const cwd = await scratchDirectory();
    const result = await runCli(["conformance", brokenDriver, "--json", "broken.json"], { cwd });
    expect(result.code).toBe(1);
    const report = JSON.parse(await readFile(join(cwd, "broken.json"), "utf8")) as ConformanceReport;
    const failed = report.cases.filter((entry) => entry.status === "failed");
    const failedNames = failed.map((entry) => entry.name);
    // The list that drops its last key and the put that ignores metadata.
    expect(failedNames).toContain("list: prefix filters keys");
    expect(failedNames).toContain("put: metadata round-trips on put, head and get");
    // Cases the bugs do not touch still pass.
    expect(report.cases.find((entry) => entry.name === "keys: illegal keys are refused before the driver is called")?.status).toBe("passed");
    expect(report.summary.failed).toBe(failed.length);
    for (const entry of failed) {
      expect(entry.reason).toBeTruthy();
      expect(result.stdout).toContain(`FAIL  ${entry.name}\n      `);
    }
    expect(result.stdout).toContain(`failed cases (${failed.length}):\n  ${failedNames[0]}\n`);
    // The memory driver without signing: signed-URL cases skip, naming the capability.
    expect(report.observed.off.map((entry) => entry.name)).toContain("signPut");
    expect(result.stdout).toMatch(/SKIP {2}\S.* \[needs capability signPut\]/);
    expect(result.stdout).toMatch(/\n {2}signPut: \d+ cases\n/);
  }, 120_000);

  it("--only keeps the cases whose name contains the pattern or matches /regex/; nothing matched is a usage error", async () => {
    const keys = conformanceCases.filter((entry) => entry.name.toLowerCase().includes("keys:"));
    const bySubstring = await runCli(["--json", "conformance", "memory://", "--only", "KEYS:"]);
    expect(bySubstring.code).toBe(0);
    const report = JSON.parse(bySubstring.stdout) as ConformanceReport;
    expect(report.cases.map((entry) => entry.name)).toEqual(keys.map((entry) => entry.name));
    expect(report.summary.selectedBy).toEqual(["KEYS:"]);

    const byRegex = await runCli(["--json", "conformance", brokenDriver, "--only", "/^list: prefix filters/", "--only", "/^range:/"]);
    const names = (JSON.parse(byRegex.stdout) as ConformanceReport).cases.map((entry) => entry.name);
    expect(names).toEqual(conformanceCases.filter((entry) => /^list: prefix filters|^range:/.test(entry.name)).map((entry) => entry.name));
    expect(byRegex.code).toBe(1);

    const none = await runCli(["conformance", "memory://", "--only", "no such case at all"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("matches no conformance case");
  }, 120_000);

  it("--skip reports matching cases as skipped with the pattern as the reason, without running them", async () => {
    const metadataCases = conformanceCases.filter((entry) => entry.name.startsWith("put: metadata"));
    const partly = await runCli(["--json", "conformance", brokenDriver, "--only", "/^put: metadata/", "--skip", "round-trips on put"]);
    expect(partly.code).toBe(1);
    const partlyReport = JSON.parse(partly.stdout) as ConformanceReport;
    expect(partlyReport.cases.find((entry) => entry.name === "put: metadata round-trips on put, head and get")).toEqual({
      name: "put: metadata round-trips on put, head and get",
      status: "skipped",
      durationMs: 0,
      reason: "skipped by --skip round-trips on put",
    });
    const all = await runCli(["conformance", brokenDriver, "--only", "/^put: metadata/", "--skip", "/^put: metadata/"]);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain(`0 passed, 0 failed, ${metadataCases.length} skipped (of ${metadataCases.length})`);
    expect(all.stdout).toContain("SKIP  put: metadata round-trips on put, head and get [skipped by --skip /^put: metadata/]\n");
    const unknown = await runCli(["conformance", "memory://", "--skip", "no such case at all"]);
    expect(unknown.code).toBe(2);
  }, 60_000);

  it("Ctrl-C in the middle: exit 130, the rest reported as not run, the scratch prefix cleaned up", async () => {
    const cwd = await scratchDirectory();
    const aborter = new AbortController();
    const running = runCli(["conformance", "file:./data", "--json", "stopped.json"], {
      cwd,
      env: { STORAGE_SIGNING_SECRETS: undefined, STORAGE_SIGNING_BASE_URL: undefined },
      signal: aborter.signal,
    });
    // Interrupt (SIGINT) once cases have written objects under the scratch prefix.
    const deadline = Date.now() + 30_000;
    let seen = false;
    while (!seen && Date.now() < deadline) {
      const entries = await readdir(join(cwd, "data"), { recursive: true }).catch(() => [] as string[]);
      seen = entries.some((entry) => String(entry).startsWith("stowage-conformance-") && String(entry).includes("/"));
      if (!seen) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(seen).toBe(true);
    aborter.abort();
    const result = await running;
    expect(result.code).toBe(130);
    const report = JSON.parse(await readFile(join(cwd, "stopped.json"), "utf8")) as ConformanceReport;
    expect(report.summary.notRun).toBeGreaterThan(0);
    expect(report.summary.passed + report.summary.notRun).toBe(conformanceCases.length);
    expect(report.cleanup.errors).toEqual([]);
    expect(await objectsLeft(join(cwd, "data"))).toEqual([]);
  }, 120_000);

  it("plain output off a terminal (times and the random prefix normalised)", async () => {
    const result = await runCli(["conformance", brokenDriver, "--only", "/^head: /", "--only", "list: prefix filters keys"]);
    const normalised = result.stdout
      .replace(/stowage-conformance-[0-9a-f]{12}\//g, "stowage-conformance-<random>/")
      .replace(/(conformance\/[a-z0-9-]*?)-[0-9a-z]+\//g, "$1-<random>/")
      .replace(/in [\d.]+ s\n$/, "in <time> s\n")
      .replace(/^(conformance: \d+ cases against )\S+/m, "$1module:broken-driver.mjs")
      .replace(/^capabilities on: .*$/m, "capabilities on: <the memory driver's>");
    expect(result.code).toBe(1);
    expect(normalised).toMatchInlineSnapshot(`
      "conformance: 6 cases against module:broken-driver.mjs (driver memory)
      scratch prefix: stowage-conformance-<random>/ (deleted afterwards)
      signed URLs: off (the driver signs no URLs)
      capabilities on: <the memory driver's>
      capabilities off: multipartUpload, signGet, signGetExpiry, signPut, signPutContentType, signPutIfNotExists, signPutMaxSize, signPutOneTime, signPutSize, signUploadPart, uploadIfNotExists
      PASS  head: a missing key gives null
      PASS  head: returns the same info as get
      FAIL  head: reflects an overwrite
            metadata:
              expected {"v":"2"}
              got      {}
      PASS  head: the info put returns equals head's
      PASS  head: an already aborted signal gives Aborted
      FAIL  list: prefix filters keys
            prefix a:
              expected ["conformance/list-prefix-filters-keys-<random>/a","conformance/list-prefix-filters-keys-<random>/a/1","conformance/list-prefix-filters-keys-<random>/a/2","conformance/list-prefix-filters-keys-<random>/ab","conformance/list-prefix-filters-keys-<random>/aé"]
              got      ["conformance/list-prefix-filters-keys-<random>/a","conformance/list-prefix-filters-keys-<random>/a/1","conformance/list-prefix-filters-keys-<random>/a/2","conformance/list-prefix-filters-keys-<random>/ab"]

      failed cases (2):
        head: reflects an overwrite
        list: prefix filters keys

      4 passed, 2 failed, 0 skipped (of 6) in <time> s
      "
    `);
  });

  it("on a terminal: a progress line on stderr with cases done out of total", async () => {
    const result = await runCliInProcess(["conformance", "memory://", "--only", "/^head:/"], { tty: true });
    const total = conformanceCases.filter((entry) => entry.name.startsWith("head:")).length;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`\r\x1b[2K[0/${total}] head:`);
    expect(result.stderr).toContain(`[${total}/${total}]`);
    expect(result.stdout).not.toContain("\r");
  });

  const rgw = rgwServer();
  it.skipIf(rgw === null)("Ceph RGW: every case passes or is skipped by a capability the profile lacks, exit 0, nothing left under the scratch prefix", async () => {
    const cwd = await scratchDirectory();
    const started = Date.now();
    const result = await runCli(["conformance", `${rgw!.url}#cli-conformance/`, "--json", "rgw.json"], { cwd, env: rgw!.env });
    const seconds = (Date.now() - started) / 1000;
    // (The AWS SDK may print a Node version warning on stderr.)
    expect(result.stderr).not.toContain("stowage:");
    expect(result.code).toBe(0);
    const report = JSON.parse(await readFile(join(cwd, "rgw.json"), "utf8")) as ConformanceReport;
    expect(report.observed.driver).toBe("s3");
    expect(report.observed.profile?.name).toBe("ceph-rgw");
    expect(report.signing).toBe("native (the driver's own)");
    expect(report.summary.failed).toBe(0);
    expect(report.summary.passed).toBeGreaterThan(100);
    for (const entry of report.cases.filter((item) => item.status === "skipped")) expect(entry.missing?.length).toBeGreaterThan(0);
    expect(report.scratchPrefix).toMatch(/^cli-conformance\/stowage-conformance-[0-9a-f]{12}\/$/);
    expect(report.cleanup.errors).toEqual([]);
    const storage = createStorage(
      s3Driver({
        bucket: rgw!.bucket,
        region: rgw!.region,
        endpoint: rgw!.endpoint,
        forcePathStyle: true,
        profile: "ceph-rgw",
        credentials: { accessKeyId: rgw!.env.AWS_ACCESS_KEY_ID!, secretAccessKey: rgw!.env.AWS_SECRET_ACCESS_KEY! },
      }),
    );
    expect((await storage.list({ prefix: report.scratchPrefix })).objects).toEqual([]);
    expect(await storage.uploads.list({ prefix: report.scratchPrefix })).toEqual([]);
    console.log(`stowage conformance on Ceph RGW: ${seconds.toFixed(1)} s, ${report.summary.passed} passed, ${report.summary.skipped} skipped`);
  }, 900_000);
});
