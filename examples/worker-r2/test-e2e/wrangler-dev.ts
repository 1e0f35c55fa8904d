// Starts the Worker the way its README says: `pnpm --filter
// @stowage/example-worker-r2 dev` (build.mjs --dev-vars, then `wrangler dev`,
// local mode, a local R2 bucket), on a free port, with its R2 state in a
// fresh directory. Returns { baseUrl, stop() }, the shape a shared upload-flow
// suite's start() returns.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const readmeCommand = "pnpm --filter @stowage/example-worker-r2 dev";
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

export interface RunningWorker {
  baseUrl: string;
  /** Everything wrangler printed so far. */
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The pnpm that runs this test (npm_execpath), else `pnpm` on PATH. */
function pnpmCommand(): [string, string[]] {
  const execPath = process.env.npm_execpath;
  if (execPath !== undefined && /pnpm/.test(execPath)) return execPath.endsWith(".js") || execPath.endsWith(".cjs") ? [process.execPath, [execPath]] : [execPath, []];
  return ["pnpm", []];
}

/**
 * Runs the README's dev command from the repository root. `vars` are passed as
 * `--var NAME:value` (they override .dev.vars).
 */
export async function startWranglerDev(options: { vars?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunningWorker> {
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const persistTo = await mkdtemp(join(tmpdir(), "stowage-worker-r2-state-"));
  const [command, prefix] = pnpmCommand();
  const args = [
    ...prefix,
    ...readmeCommand.split(" ").slice(1), // --filter @stowage/example-worker-r2 dev
    "--ip", "127.0.0.1",
    "--port", String(port),
    "--inspector-port", String(inspectorPort),
    "--persist-to", persistTo,
    "--show-interactive-dev-session=false",
    ...Object.entries(options.vars ?? {}).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
  ];
  const child = spawn(command, args, {
    cwd: repoRoot,
    detached: true, // its own process group: stop() ends pnpm, wrangler and workerd together
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }, 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(persistTo, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${readmeCommand} exited with ${child.exitCode}:\n${output}`);
      if (/Ready on http:\/\/127\.0\.0\.1:\d+/.test(output)) {
        const answer = await fetch(`${baseUrl}/api/me`).catch(() => undefined);
        if (answer !== undefined) break;
      }
      if (Date.now() > deadline) throw new Error(`${readmeCommand} did not answer within ${options.timeoutMs ?? 90_000} ms:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, output: () => output, stop };
}
