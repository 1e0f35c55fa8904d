import type { ParseArgsConfig } from "node:util";
import type { Storage } from "@stowage/core";

/** The `options` part of a `node:util` `parseArgs` configuration. */
export type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig["options"]>;

/** What a command reads and writes: the process's streams and environment, or a test's. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  /** Whether stdin and stdout are an interactive terminal (prompts, progress bars). */
  isTTY: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** Everything a command runs with: the io, the global flags, the abort signal (Ctrl-C) and a location opener. */
export interface CommandContext extends CliIo {
  /** `--json`: print JSON only. */
  json: boolean;
  /** `--debug`: errors print their cause chain. */
  debug: boolean;
  /** Aborted on the first SIGINT. */
  signal: AbortSignal;
  /** Opens a location argument (`URL`, `URL#key`, a local path or `-`). */
  open(location: string): Promise<Location>;
}

/** A parsed location argument: a local path (`-` is stdin/stdout) or a key inside a storage. */
export type Location = { kind: "local"; path: string } | { kind: "storage"; storage: Storage; key: string; url: string };

/** One `stowage <name>` command; `src/commands/<name>.ts` exports it as `command`. */
export interface CommandModule {
  /** One line for `stowage --help`. */
  summary: string;
  /** The usage text for `stowage <name> --help` (options described). */
  usage: string;
  /** The command's own options for `parseArgs` (the global flags are added by the CLI). */
  options: ParseArgsOptionsConfig;
  allowPositionals: true;
  /** Runs the command; resolves to the exit code. Throw a StorageError or a UsageError for failures. */
  run(values: Record<string, unknown>, positionals: string[], context: CommandContext): Promise<number>;
}
