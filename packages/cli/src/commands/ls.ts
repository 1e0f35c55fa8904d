import type { ListPage, ObjectInfo } from "@stowage/core";
import type { CommandModule } from "../command.js";
import { expectPositionals, openStorageLocation } from "../location-args.js";
import { infoToJson, writeJson, writeLine } from "../output.js";

function longLine(info: ObjectInfo): string {
  return `${info.lastModified.toISOString()}  ${String(info.size).padStart(12)}  ${info.key}`;
}

function longPrefixLine(prefix: string): string {
  return `${"".padEnd(24)}  ${"PRE".padStart(12)}  ${prefix}`;
}

/** `stowage ls URL[#prefix]`: one level (delimiter `/`) unless `-r`. */
export const command: CommandModule = {
  summary: "list the objects (and, without -r, the sub-prefixes) under a prefix",
  usage: [
    "Usage: stowage ls [-r] [--long] [--json] URL[#prefix]",
    "",
    "  -r, --recursive  every object under the prefix (no PRE lines)",
    "  -l, --long       last modified, size and key",
    "  --json           one JSON line per entry: an ObjectInfo, or {\"prefix\": \"photos/\"}",
    "",
    "Without -r, one level: keys directly under the prefix, and sub-prefixes ending in / .",
  ].join("\n"),
  options: {
    recursive: { type: "boolean", short: "r" },
    long: { type: "boolean", short: "l" },
  },
  allowPositionals: true,
  async run(values, positionals, context) {
    expectPositionals(positionals, 1, 1, "ls");
    const { storage, key: prefix } = await openStorageLocation(context, positionals[0], "ls");
    const recursive = values.recursive === true;
    const long = values.long === true;
    let cursor: string | undefined;
    do {
      const page: ListPage = await storage.list({
        ...(prefix === "" ? {} : { prefix }),
        ...(recursive ? {} : { delimiter: "/" }),
        ...(cursor === undefined ? {} : { cursor }),
        signal: context.signal,
      });
      // Within a page, prefixes and keys are merged in key order, as a listing reads.
      const entries: Array<{ name: string; info?: ObjectInfo }> = [
        ...page.prefixes.map((name) => ({ name })),
        ...page.objects.map((info) => ({ name: info.key, info })),
      ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        if (context.json) writeJson(context.stdout, entry.info === undefined ? { prefix: entry.name } : infoToJson(entry.info));
        else if (long) writeLine(context.stdout, entry.info === undefined ? longPrefixLine(entry.name) : longLine(entry.info));
        else writeLine(context.stdout, entry.name);
      }
      cursor = page.cursor;
    } while (cursor !== undefined);
    return 0;
  },
};
