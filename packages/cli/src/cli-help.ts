import type { CommandModule } from "./command.js";
import { commandNames, loadCommand } from "./command-registry.js";

/** The global flags, accepted before or after the command name. */
export const globalOptions = {
  json: { type: "boolean" },
  debug: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

const globalUsage = [
  "Global options:",
  "  --json       print JSON only (one document per line)",
  "  --debug      on failure, print the error's cause chain",
  "  -h, --help   show help (stowage <command> --help for a command)",
  "  -V, --version",
];

/** `stowage --help`: the commands and their summaries (a command whose module fails to load is listed as unavailable). */
export async function mainHelp(): Promise<string> {
  const lines = ["Usage: stowage <command> [options] <location>...", "", "Commands:"];
  const width = Math.max(...commandNames.map((name) => name.length));
  for (const name of commandNames) {
    let summary: string;
    try {
      summary = (await loadCommand(name)).summary;
    } catch {
      summary = "(not available in this build)";
    }
    lines.push(`  ${name.padEnd(width)}  ${summary}`);
  }
  lines.push(
    "",
    "Locations: a storage URL (file:./data, memory://, s3://bucket?endpoint=…, module:./driver.mjs),",
    "a key inside it after # (file:./data#photos/cat.jpg; s3://bucket/photos/cat.jpg also works),",
    "a local path, or - for stdin/stdout. Credentials come from the environment only.",
    "",
    ...globalUsage,
  );
  return lines.join("\n");
}

/** `stowage <command> --help`. */
export function commandHelp(name: string, command: CommandModule): string {
  return [`stowage ${name}: ${command.summary}`, "", command.usage.trimEnd(), "", ...globalUsage].join("\n");
}
