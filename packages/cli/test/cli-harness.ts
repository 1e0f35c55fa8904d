import { spawn } from "node:child_process";
import { PassThrough, Readable } from "node:stream";
import { fileURLToPath } from "node:url";
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
