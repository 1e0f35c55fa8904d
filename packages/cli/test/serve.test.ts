import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { cliPath, runCli } from "./cli-harness.ts";

const secrets = "dev:serve-test-secret-0123456789abcdef0123456789";
const origin = "http://app.example.test";
const directories: string[] = [];
const children: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});
afterAll(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

interface Served {
  url: string;
  child: ChildProcessWithoutNullStreams;
  /** Resolves with the exit code and everything printed, once the process ends. */
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Spawns `stowage serve …` and waits for the URL it prints. */
function serve(args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<Served> {
  const child = spawn(process.execPath, [cliPath, "serve", ...args], {
    cwd,
    env: Object.fromEntries(
      Object.entries({ ...process.env, STORAGE_SIGNING_SECRETS: secrets, STORAGE_SIGNING_BASE_URL: undefined, ...env }).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    ),
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = / at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match !== null) {
        child.stdout.off("data", check);
        resolve({ url: match[1]!, child, exited });
      }
    };
    child.stdout.on("data", check);
    void exited.then((result) => reject(new Error(`serve exited (${result.code}) before printing its URL: ${result.stderr}`)));
  });
}

async function scratch(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), "stowage-cli-serve-"));
  directories.push(directory);
  return directory;
}

describe("stowage serve", () => {
  it("a browser-style upload: sign put, PUT with the signed headers from another origin, then GET it back; Ctrl-C stops the server", async () => {
    const cwd = await scratch();
    const served = await serve(["file:./data", "--port", "0", "--cors", origin], cwd);
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const env = { STORAGE_SIGNING_SECRETS: secrets, STORAGE_SIGNING_BASE_URL: served.url };

    // The preflight a browser sends before a cross-origin PUT with a Content-Type.
    const preflight = await fetch(`${served.url}/photos/cat.txt`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "PUT", "access-control-request-headers": "content-type" },
    });
    await preflight.arrayBuffer();
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(origin);
    expect(preflight.headers.get("access-control-allow-methods")).toContain("PUT");
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("content-type");

    const signed = await runCli(["sign", "put", "file:./data#photos/cat.txt", "--content-type", "text/plain", "--max-size", "100"], { cwd, env });
    expect(signed.stderr).toBe("");
    const request = JSON.parse(signed.stdout) as { url: string; method: string; headers: Record<string, string> };
    expect(request.url.startsWith(`${served.url}/`)).toBe(true);
    const upload = await fetch(request.url, { method: request.method, headers: { ...request.headers, origin }, body: "meow" });
    expect(upload.status, await upload.text()).toBeLessThan(300);
    expect(upload.headers.get("access-control-allow-origin")).toBe(origin);

    // Over the limit signed into the URL: refused, nothing stored.
    const tooBig = await fetch(request.url, { method: "PUT", headers: request.headers, body: "x".repeat(101) });
    await tooBig.arrayBuffer();
    expect(tooBig.status).toBe(413);

    const get = await runCli(["sign", "get", "file:./data#photos/cat.txt"], { cwd, env });
    const download = await fetch((JSON.parse(get.stdout) as { url: string }).url, { headers: { origin } });
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("text/plain");
    expect(await download.text()).toBe("meow");
    // The object is on disk, under the root served.
    expect((await runCli(["cat", "file:./data#photos/cat.txt"], { cwd })).stdout).toBe("meow");

    served.child.kill("SIGINT");
    const exit = await served.exited;
    expect([0, 130]).toContain(exit.code);
    expect(exit.stderr).toContain("server stopped");
    await expect(fetch(`${served.url}/photos/cat.txt`)).rejects.toThrow();
  });

  it("without --cors, a cross-origin preflight is refused", async () => {
    const served = await serve(["file:./data", "--port", "0"], await scratch());
    const preflight = await fetch(`${served.url}/a.txt`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "PUT" } });
    await preflight.arrayBuffer();
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.status).toBeGreaterThanOrEqual(400);
  });

  it("STORAGE_SIGNING_BASE_URL with a path mounts the handler there; a wrong secret's signature is refused", async () => {
    const cwd = await scratch();
    const port = 20000 + Math.floor(Math.random() * 20000);
    const baseUrl = `http://127.0.0.1:${port}/files`;
    const served = await serve(["file:./data", "--port", String(port)], cwd, { STORAGE_SIGNING_BASE_URL: baseUrl });
    const signed = await runCli(["sign", "put", "file:./data#a.txt"], { cwd, env: { STORAGE_SIGNING_SECRETS: secrets, STORAGE_SIGNING_BASE_URL: baseUrl } });
    const request = JSON.parse(signed.stdout) as { url: string; headers: Record<string, string> };
    expect(request.url.startsWith(`${baseUrl}/`)).toBe(true);
    expect((await fetch(request.url, { method: "PUT", headers: request.headers, body: "one" })).status).toBeLessThan(300);
    const forged = await runCli(["sign", "put", "file:./data#b.txt"], {
      cwd,
      env: { STORAGE_SIGNING_SECRETS: "dev:another-secret-0123456789abcdef0123456789", STORAGE_SIGNING_BASE_URL: baseUrl },
    });
    const refused = await fetch((JSON.parse(forged.stdout) as { url: string }).url, { method: "PUT", body: "two" });
    await refused.arrayBuffer();
    expect(refused.status).toBe(403);
    expect(served.url).toBe(`http://127.0.0.1:${port}`);
    await expect(readFile(join(cwd, "data", "b.txt"))).rejects.toThrow();
  });

  it("without STORAGE_SIGNING_SECRETS it refuses to start (usage error naming the variable)", async () => {
    const result = await runCli(["serve", "file:./data", "--port", "0"], { cwd: await scratch(), env: { STORAGE_SIGNING_SECRETS: undefined } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("STORAGE_SIGNING_SECRETS");
  });
});
