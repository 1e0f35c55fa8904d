import { readFileSync, realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { CliIo, CommandContext } from "./command.js";
import { commandHelp, globalOptions, mainHelp } from "./cli-help.js";
import { loadCommand } from "./command-registry.js";
import { exitCodeOf, exitCodes, formatError, UsageError } from "./errors.js";
import { locationOpener } from "./location.js";
import { writeLine } from "./output.js";

export type { CliIo, CommandContext, CommandModule, Location, ParseArgsOptionsConfig } from "./command.js";
export { UsageError } from "./errors.js";

/** Options for {@link main} beyond the io. */
export interface MainOptions {
  /** Aborted on Ctrl-C; commands see it as `context.signal`. */
  signal?: AbortSignal;
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    isTTY: Boolean(process.stdout.isTTY && process.stdin.isTTY),
    env: process.env,
    cwd: process.cwd(),
  };
}

function version(): string {
  try {
    const json = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string };
    return json.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Splits the global flags that come before the command from the command name and its arguments. */
function splitCommand(argv: string[]): { leading: string[]; name: string | undefined; rest: string[] } {
  const leading: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (!argument.startsWith("-") || argument === "-") return { leading, name: argument, rest: argv.slice(index + 1) };
    leading.push(argument);
  }
  return { leading, name: undefined, rest: [] };
}

/**
 * Runs `stowage <argv>`; resolves to the exit code (0 ok, 1 failure, 2 usage
 * error, 130 interrupted). Failures print one line on stderr,
 * `stowage: <Code>: <message>` (with `--debug`, the cause chain too).
 */
export async function main(argv: string[], io: CliIo = processIo(), options: MainOptions = {}): Promise<number> {
  const signal = options.signal ?? new AbortController().signal;
  let debug = argv.includes("--debug");
  try {
    const { leading, name, rest } = splitCommand(argv);
    let globals: { json?: boolean; debug?: boolean; help?: boolean; version?: boolean };
    try {
      globals = parseArgs({ args: leading, options: globalOptions, strict: true, allowPositionals: false }).values;
    } catch (error) {
      throw new UsageError(`${(error as Error).message} (see stowage --help)`);
    }
    if (globals.version) {
      writeLine(io.stdout, version());
      return exitCodes.ok;
    }
    if (name === undefined) {
      writeLine(globals.help ? io.stdout : io.stderr, await mainHelp());
      return globals.help ? exitCodes.ok : exitCodes.usage;
    }
    if (name === "help") {
      writeLine(io.stdout, rest[0] === undefined ? await mainHelp() : commandHelp(rest[0], await loadCommand(rest[0])));
      return exitCodes.ok;
    }
    const command = await loadCommand(name);
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: rest, options: { ...globalOptions, ...command.options }, strict: true, allowPositionals: true });
    } catch (error) {
      throw new UsageError(`${(error as Error).message} (see stowage ${name} --help)`);
    }
    const values = { ...globals, ...parsed.values } as Record<string, unknown>;
    debug = values.debug === true;
    if (values.help === true) {
      writeLine(io.stdout, commandHelp(name, command));
      return exitCodes.ok;
    }
    const context: CommandContext = {
      ...io,
      json: values.json === true,
      debug,
      signal,
      open: locationOpener(io),
    };
    const code = await command.run(values, parsed.positionals, context);
    return signal.aborted ? exitCodes.interrupted : code;
  } catch (error) {
    const code = exitCodeOf(error, signal);
    if (code === exitCodes.interrupted && !debug) {
      writeLine(io.stderr, "stowage: interrupted");
    } else {
      for (const line of formatError(error, debug)) writeLine(io.stderr, line);
    }
    return code;
  }
}

/** The bin: wires SIGINT to the abort signal (a second Ctrl-C exits at once) and sets the exit code. */
async function runBin(): Promise<void> {
  // The AWS SDK (under @stowage/s3) warns on every run that its future releases need Node 22; a CLI prints only its own lines.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const controller = new AbortController();
  let interrupts = 0;
  process.on("SIGINT", () => {
    interrupts++;
    if (interrupts > 1) process.exit(exitCodes.interrupted);
    controller.abort(new Error("interrupted (SIGINT)"));
  });
  // `stowage cat … | head`: a closed pipe ends the run quietly.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  process.exitCode = await main(process.argv.slice(2), processIo(), { signal: controller.signal });
}

function invokedAsBin(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (invokedAsBin()) await runBin();
