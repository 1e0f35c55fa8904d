import type { CommandContext, CommandModule } from "../command.js";
import { UsageError } from "../errors.js";
import { type StorageLocation, expectPositionals, openObjectLocation, openStorageLocation } from "../location-args.js";
import { writeJson, writeLine } from "../output.js";

/** Reads one line from stdin (the answer to a prompt). */
function readAnswer(stdin: NodeJS.ReadableStream, signal: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const finish = () => {
      stdin.off("data", onData);
      stdin.off("end", finish);
      signal.removeEventListener("abort", finish);
      stdin.pause();
      resolve(text);
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (text.includes("\n")) finish();
    };
    stdin.on("data", onData);
    stdin.once("end", finish);
    signal.addEventListener("abort", finish, { once: true });
    stdin.resume();
  });
}

async function confirm(context: CommandContext, question: string): Promise<boolean> {
  context.stderr.write(`${question} [y/N] `);
  const answer = await readAnswer(context.stdin, context.signal);
  return /^\s*y(es)?\s*$/i.test(answer);
}

async function removePrefix(location: StorageLocation, values: Record<string, unknown>, context: CommandContext): Promise<number> {
  const prefix = location.key;
  const what = prefix === "" ? `EVERY object in ${location.url}` : `every object under "${prefix}" in ${location.url}`;
  if (values.yes !== true) {
    if (!context.isTTY) throw new UsageError(`rm -r deletes ${what}: pass --yes to confirm (stdin is not a terminal, so there is no prompt)`);
    if (!(await confirm(context, `Delete ${what}?`))) {
      writeLine(context.stderr, "stowage: nothing deleted");
      return 1;
    }
  }
  const result = await location.storage.deletePrefix(prefix, { ...(prefix === "" ? { all: true } : {}), signal: context.signal });
  if (context.json) writeJson(context.stdout, { prefix, deleted: result.deleted });
  else writeLine(context.stdout, `deleted ${result.deleted} object${result.deleted === 1 ? "" : "s"} under "${prefix}"`);
  return 0;
}

/** `stowage rm URL#key…` and `stowage rm -r URL#prefix`. */
export const command: CommandModule = {
  summary: "delete objects, or (-r) every object under a prefix",
  usage: [
    "Usage: stowage rm URL#key [URL#key…]",
    "       stowage rm -r [--yes] URL#prefix",
    "",
    "  -r, --recursive  delete every object under the prefix (URL alone: every object)",
    "  -y, --yes        do not ask; needed for -r when stdin is not a terminal",
    "",
    "Deleting a key that does not exist succeeds.",
  ].join("\n"),
  options: {
    recursive: { type: "boolean", short: "r" },
    yes: { type: "boolean", short: "y" },
  },
  allowPositionals: true,
  async run(values, positionals, context) {
    if (values.recursive === true) {
      expectPositionals(positionals, 1, 1, "rm -r");
      return removePrefix(await openStorageLocation(context, positionals[0], "rm"), values, context);
    }
    expectPositionals(positionals, 1, Infinity, "rm");
    const locations: StorageLocation[] = [];
    for (const argument of positionals) locations.push(await openObjectLocation(context, argument, "rm"));
    for (const location of locations) {
      await location.storage.delete(location.key, { signal: context.signal });
      if (context.json) writeJson(context.stdout, { deleted: location.key });
      else writeLine(context.stdout, `deleted ${location.key}`);
    }
    return 0;
  },
};
