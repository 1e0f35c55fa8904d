import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { chmod, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll } from "vitest";

const packagesDir = fileURLToPath(new URL("../../", import.meta.url));
let bundlePath: Promise<string> | undefined;
let bundleDirectory: string | undefined;

// Registered on the importing test file: the bundle goes when its tests are done.
afterAll(() => {
  if (bundleDirectory !== undefined) rmSync(bundleDirectory, { recursive: true, force: true });
});

/**
 * Child processes run plain Node, which cannot import the TypeScript
 * sources, so the driver and core are bundled once into one ESM file that
 * exports `fsDriver`, `createStorage` and `isStorageError`.
 */
export function driverBundle(): Promise<string> {
  bundlePath ??= (async () => {
    const directory = await mkdtemp(join(tmpdir(), "stowage-fs-bundle-"));
    bundleDirectory = directory;
    // Readable by every user: one test runs a child as an unprivileged user.
    await chmod(directory, 0o755);
    const outfile = join(directory, "stowage-fs.mjs");
    await build({
      stdin: {
        contents: 'export { createStorage, isStorageError, StorageError } from "@stowage/core"; export { fsDriver } from "@stowage/fs";',
        resolveDir: packagesDir,
        loader: "ts",
      },
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outfile,
      logLevel: "silent",
      alias: {
        "@stowage/core": join(packagesDir, "core/src/index.ts"),
        "@stowage/fs": join(packagesDir, "fs/src/index.ts"),
      },
    });
    return outfile;
  })();
  return bundlePath;
}

/** The path of a child script in test/children. */
export function childScript(name: string): string {
  return fileURLToPath(new URL(`./children/${name}`, import.meta.url));
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a child script with a JSON argument and collects its output. */
export async function runChild(
  script: string,
  argument: unknown,
  options: { timeoutMs?: number; uid?: number; gid?: number } = {},
): Promise<ChildResult> {
  const bundle = await driverBundle();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childScript(script), bundle, JSON.stringify(argument)], {
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
