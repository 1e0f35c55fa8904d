import { createStorage } from "@stowage/core";
import { s3Driver, s3Profiles, type S3Profile } from "@stowage/s3";
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { cliPath, runCli } from "./cli-harness.ts";
import { rgwServer, swiftServer, type S3Server } from "./fixtures/s3-servers.ts";

interface ProbeOutput {
  profile: Record<string, unknown>;
  prefix: string;
  detection: { name: string; source: string; reason: string };
  checks: { fact: string; value: unknown; evidence: string }[];
  failures: string[];
}

/** A shipped profile as the probe prints it (JSON: undefined facts left out). */
function asJson(profile: S3Profile): Record<string, unknown> {
  return JSON.parse(JSON.stringify(profile)) as Record<string, unknown>;
}

/**
 * Facts the probe measures differently from the shipped profile, with why.
 * Swift 2.30's s3api answers CompleteMultipartUpload with If-None-Match: *
 * 412 onto an existing key and 200 onto a new one; the shipped swift profile
 * leaves conditionalMultipartComplete off (it is not marked verified there).
 */
const knownDifferences: Record<string, Record<string, unknown>> = {
  "ceph-rgw": {},
  swift: { conditionalMultipartComplete: true },
};

function driverFor(server: S3Server, profile: unknown) {
  return s3Driver({
    bucket: server.bucket,
    region: server.region,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: server.env.AWS_ACCESS_KEY_ID!, secretAccessKey: server.env.AWS_SECRET_ACCESS_KEY! },
    profile: profile as S3Profile,
  });
}

for (const [label, server] of [
  ["Ceph RGW", rgwServer()],
  ["OpenStack Swift", swiftServer()],
] as const) {
  describe.skipIf(server === null)(`stowage probe on ${label}`, () => {
    it("recognises the server, measures every fact, and prints the profile the driver ships", async () => {
      const result = await runCli(["--json", "probe", server!.url], { env: server!.env });
      expect(result.code, result.stderr).toBe(0);
      const output = JSON.parse(result.stdout) as ProbeOutput;
      expect(output.failures).toEqual([]);
      expect(output.detection).toMatchObject({ name: server!.profile, source: "probe" });
      const shipped = asJson(s3Profiles[server!.profile]);
      const differences = knownDifferences[server!.profile]!;
      const expected = Object.keys(differences).length === 0 ? shipped : { ...shipped, ...differences, name: `${server!.profile}-probed` };
      expect(output.profile).toEqual(expected);
      // Every fact but the addressing (taken from the URL) was measured.
      const measured = new Set(output.checks.map((check) => check.fact));
      expect(Object.keys(shipped).filter((fact) => !measured.has(fact) && fact !== "name" && fact !== "forcePathStyle")).toEqual([]);

      // Fed back: the driver takes it, claims what the shipped profile claims (but the known differences), and works.
      const driver = driverFor(server!, output.profile);
      const reference = driverFor(server!, server!.profile);
      if (Object.keys(differences).length === 0) expect(driver.capabilities).toEqual(reference.capabilities);
      const storage = createStorage(driver);
      const key = `${output.prefix}feedback.txt`;
      await storage.put(key, "fed back");
      expect(await (await storage.get(key))!.text()).toBe("fed back");
      await storage.delete(key);
      // The probe's scratch objects are gone.
      expect((await createStorage(reference).list({ prefix: output.prefix })).objects).toEqual([]);
    }, 120_000);

    it("without --json: the profile JSON alone on stdout, each check's evidence on stderr", async () => {
      const result = await runCli(["probe", server!.url], { env: server!.env });
      expect(result.code).toBe(0);
      const profile = JSON.parse(result.stdout) as Record<string, unknown>;
      expect(profile.putIfNotExists).toBe(s3Profiles[server!.profile].putIfNotExists);
      expect(result.stderr).toContain(`probe: ${server!.profile} profile by probe`);
      expect(result.stderr).toMatch(/\n {2}putIfNotExists: (true|false) \(PUT If-None-Match: \* on an existing key: \d+\)\n/);
    }, 120_000);
  });
}

const rgw = rgwServer();
describe.skipIf(rgw === null)("stowage probe interrupted", () => {
  it("Ctrl-C after the first check: exit 130, and nothing is left under the scratch prefix (objects or uploads)", async () => {
    const child = spawn(process.execPath, [cliPath, "probe", rgw!.url], { env: { ...process.env, ...rgw!.env } });
    let stderr = "";
    let interrupted = false;
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!interrupted && /\n {2}putIfNotExists: /.test(stderr)) {
        interrupted = true;
        child.kill("SIGINT");
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(interrupted).toBe(true);
    expect(code).toBe(130);
    const prefix = /checking under (\S+)/.exec(stderr)![1]!;
    const storage = createStorage(driverFor(rgw!, "ceph-rgw"));
    expect((await storage.list({ prefix })).objects).toEqual([]);
    expect(await storage.uploads.list({ prefix })).toEqual([]);
  }, 60_000);
});

describe("stowage probe arguments", () => {
  it("refuses anything but an s3:// URL (usage error)", async () => {
    const result = await runCli(["probe", "file:./data"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("s3://bucket?endpoint=");
  });
});
