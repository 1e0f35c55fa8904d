import { StorageError, type ObjectInfo } from "@stowage/core";
import type { CommandModule } from "../command.js";
import { expectPositionals, openObjectLocation } from "../location-args.js";
import { infoToJson, writeJson, writeLine } from "../output.js";

/** The plain `stat` lines: `field: value`, metadata as `metadata.<name>: value`. */
export function statLines(info: ObjectInfo): string[] {
  const fields: Array<[string, string]> = [
    ["key", info.key],
    ["size", String(info.size)],
    ["etag", info.etag],
    ["lastModified", info.lastModified.toISOString()],
    ["contentType", info.contentType],
  ];
  if (info.cacheControl !== undefined) fields.push(["cacheControl", info.cacheControl]);
  if (info.contentDisposition !== undefined) fields.push(["contentDisposition", info.contentDisposition]);
  if (info.contentEncoding !== undefined) fields.push(["contentEncoding", info.contentEncoding]);
  if (info.expiresAt !== undefined) fields.push(["expiresAt", info.expiresAt.toISOString()]);
  for (const name of Object.keys(info.metadata).sort()) fields.push([`metadata.${name}`, info.metadata[name]!]);
  const width = Math.max(...fields.map(([name]) => name.length)) + 1;
  return fields.map(([name, value]) => `${`${name}:`.padEnd(width)} ${value}`);
}

/** `stowage stat URL#key`: the object's full ObjectInfo. */
export const command: CommandModule = {
  summary: "show an object's size, etag, times, content type and metadata",
  usage: ["Usage: stowage stat [--json] URL#key", "", "  --json  the ObjectInfo as one JSON line"].join("\n"),
  options: {},
  allowPositionals: true,
  async run(_values, positionals, context) {
    expectPositionals(positionals, 1, 1, "stat");
    const { storage, key } = await openObjectLocation(context, positionals[0], "stat");
    const info = await storage.head(key, { signal: context.signal });
    if (info === null) throw new StorageError("NotFound", `${key} does not exist`, { key, operation: "head" });
    if (context.json) writeJson(context.stdout, infoToJson(info));
    else for (const line of statLines(info)) writeLine(context.stdout, line);
    return 0;
  },
};
