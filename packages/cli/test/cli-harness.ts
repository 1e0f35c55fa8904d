import { spawn } from "node:child_process";
import { PassThrough, Readable } from "node:stream";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Storage } from "@stowage/core";
import { openStorage } from "@stowage/open";
import { main } from "../src/cli.ts";

/** The built binary the tests spawn (test/build-dist.ts builds it first). */
export const cliPath = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

/** What a CLI run printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@link runCli} and {@link runCliInProcess}. */
export interface RunCliOptions {
  /** Extra environment variables (merged over process.env; `undefined` removes one). */
  env?: Record<string, string | undefined>;
  /** Bytes written to stdin (stdin is closed after them). */
  input?: string | Uint8Array;
  /** The working directory. */
  cwd?: string;
  /** In-process only: pretend stdin/stdout are a terminal. */
  tty?: boolean;
  /** Aborts the run as Ctrl-C would (in-process), or sends SIGINT to the child (spawned). */
  signal?: AbortSignal;
}

function mergedEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = { ...process.env, ...extra };
  // The child's stderr is a pipe; keep it free of colour codes and of the CI/vitest variables' effect on output.
  env.NO_COLOR = "1";
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Spawns `node dist/cli.js <args>` and collects its output (stdout/stderr are pipes: not a TTY). */
export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: mergedEnv(options.env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", reject);
    options.signal?.addEventListener("abort", () => child.kill("SIGINT"), { once: true });
    child.on("close", (code, signal) => {
      resolve({
        code: code ?? (signal === null ? -1 : 128 + (signal === "SIGINT" ? 2 : 9)),
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      });
    });
    child.stdin.on("error", () => {}); // the command may exit before reading stdin
    child.stdin.end(options.input ?? "");
  });
}

/** Runs `main(args)` in this process (for memory://, shared by the process, and for a pretend TTY). */
export async function runCliInProcess(args: string[], options: RunCliOptions & { stdin?: NodeJS.ReadableStream } = {}): Promise<CliResult & { stdoutBytes: Buffer }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on("data", (chunk: Buffer) => out.push(chunk));
  stderr.on("data", (chunk: Buffer) => err.push(chunk));
  const stdin = options.stdin ?? Readable.from(options.input === undefined ? [] : [Buffer.from(options.input)]);
  const code = await main(
    args,
    {
      stdout: Object.assign(stdout, { isTTY: options.tty === true }),
      stderr: Object.assign(stderr, { isTTY: options.tty === true }),
      stdin,
      isTTY: options.tty === true,
      env: { ...process.env, ...options.env },
      cwd: options.cwd ?? process.cwd(),
    },
    options.signal === undefined ? {} : { signal: options.signal },
  );
  const stdoutBytes = Buffer.concat(out);
  return { code, stdout: stdoutBytes.toString("utf8"), stdoutBytes, stderr: Buffer.concat(err).toString("utf8") };
}

/** A real S3 server from the environment scripts/test.sh exports: the storage URL and the env the CLI needs for it. */
export interface RealS3Target {
  label: string;
  /** `s3://bucket?endpoint=…&forcePathStyle=true&region=…` (append `#key` or use the path as the key). */
  url: string;
  /** Credentials for the child process (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). */
  env: Record<string, string>;
}

const realServers = [
  { label: "Ceph RGW", prefix: "S3_", accessKeyId: "AWS_ACCESS_KEY_ID", secretAccessKey: "AWS_SECRET_ACCESS_KEY" },
  { label: "OpenStack Swift", prefix: "SWIFT_S3_", accessKeyId: "SWIFT_S3_ACCESS_KEY_ID", secretAccessKey: "SWIFT_S3_SECRET_ACCESS_KEY" },
];

/**
 * The real S3 servers to test against: Ceph RGW (S3_ENDPOINT, S3_BUCKET,
 * AWS_ACCESS_KEY_ID…) and OpenStack Swift (SWIFT_S3_ENDPOINT…). One absent
 * is `null` (its tests skip), except under CI=true, where it throws.
 */
export function realS3Targets(): Array<{ label: string; target: RealS3Target | null }> {
  return realServers.map((server) => {
    const endpoint = process.env[`${server.prefix}ENDPOINT`];
    if (!endpoint) {
      if (process.env.CI === "true") throw new Error(`${server.label}: ${server.prefix}ENDPOINT is not set, and CI=true forbids skipping`);
      return { label: server.label, target: null };
    }
    const bucket = process.env[`${server.prefix}BUCKET`] ?? "stowage-test";
    const region = process.env[`${server.prefix}REGION`] ?? "us-east-1";
    const url = `s3://${bucket}?endpoint=${encodeURIComponent(endpoint)}&forcePathStyle=true&region=${region}`;
    const env = {
      AWS_ACCESS_KEY_ID: process.env[server.accessKeyId] ?? "",
      AWS_SECRET_ACCESS_KEY: process.env[server.secretAccessKey] ?? "",
    };
    return { label: server.label, target: { label: server.label, url, env } };
  });
}

/** Opens a storage URL in the test process (to seed and check what the CLI did), with extra env. */
export async function openTestStorage(url: string, env: Record<string, string> = {}): Promise<Storage> {
  return openStorage({ url, env: { ...process.env, ...env } });
}

/** Puts objects (key -> text or bytes, optionally with a content type). */
export async function seed(storage: Storage, objects: Record<string, string | Uint8Array | { body: string | Uint8Array; contentType?: string; metadata?: Record<string, string> }>): Promise<void> {
  for (const [key, value] of Object.entries(objects)) {
    if (typeof value === "string" || value instanceof Uint8Array) await storage.put(key, value);
    else await storage.put(key, value.body, { ...(value.contentType === undefined ? {} : { contentType: value.contentType }), ...(value.metadata === undefined ? {} : { metadata: value.metadata }) });
  }
}

/** A fresh temp directory as a `file:` storage URL (absolute). */
export function tempFileUrl(name = "stowage-cli-"): { dir: string; url: string } {
  const dir = mkdtempSync(join(tmpdir(), name));
  return { dir, url: pathToFileURL(dir).href };
}

/** A unique key prefix for tests on shared storages (RGW, Swift). */
export function uniquePrefix(name: string): string {
  return `cli-test/${name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}/`;
}

/** Replaces ISO times and etags in CLI output so snapshots are stable. */
export function normaliseOutput(text: string, etags: string[] = []): string {
  let out = text.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>");
  for (const etag of etags) out = out.split(etag).join("<etag>");
  return out;
}
