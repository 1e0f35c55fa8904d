import { copyBetween, StorageError, type ObjectInfo } from "@stowage/core";
import type { CommandModule } from "../command.js";
import { expectPositionals, openObjectLocation, openStorageLocation, type StorageLocation } from "../location-args.js";
import { infoToJson, writeJson, writeLine } from "../output.js";

/** The target key: `URL#dir/` (or a bare URL) keeps the source's last segment. */
function targetKey(source: string, target: string): string {
  if (target !== "" && !target.endsWith("/")) return target;
  return `${target}${source.slice(source.lastIndexOf("/") + 1)}`;
}

/**
 * Across storages: copy at the source's current etag, then delete the source
 * only at that etag, so a write to the source during the move is kept there
 * (PreconditionFailed) instead of lost.
 */
async function moveAcross(from: StorageLocation, to: StorageLocation, toKey: string, signal: AbortSignal): Promise<ObjectInfo> {
  if (!from.storage.capabilities.deleteIfMatch) {
    throw new StorageError(
      "Unsupported",
      `mv across storages deletes the source only at the etag copied, and ${from.url} cannot delete conditionally; use stowage cp, then stowage rm`,
    );
  }
  const source = await from.storage.head(from.key, { signal });
  if (source === null) throw new StorageError("NotFound", `${from.key} does not exist`, { key: from.key, operation: "move" });
  const info = await copyBetween(from.storage, from.key, to.storage, toKey, { ifMatch: source.etag, signal });
  try {
    await from.storage.delete(from.key, { ifMatch: source.etag, signal });
  } catch (error) {
    if (error instanceof StorageError && (error.code === "PreconditionFailed" || error.code === "NotFound")) {
      throw new StorageError(
        "PreconditionFailed",
        `${from.key} changed while it was moved: it was copied to ${toKey} as it was (etag ${source.etag}) and the newer source was kept`,
        { cause: error, key: from.key, operation: "move" },
      );
    }
    throw error;
  }
  return info;
}

/** `stowage mv SRC DST`: storage.move within one storage, else a conditional copy and delete. */
export const command: CommandModule = {
  summary: "move an object within a storage or to another storage",
  usage: [
    "Usage: stowage mv URL#key URL#key",
    "",
    "A target ending in / (or a bare URL) keeps the source's name.",
    "Within one storage: storage.move (the driver's rename, else a copy and a conditional delete).",
    "Across storages: a copy at the source's etag, then a delete only at that etag, so a concurrent",
    "write to the source is never lost (the move then fails with PreconditionFailed).",
  ].join("\n"),
  options: {},
  allowPositionals: true,
  async run(_values, positionals, context) {
    expectPositionals(positionals, 2, 2, "mv");
    const from = await openObjectLocation(context, positionals[0], "mv");
    const to = await openStorageLocation(context, positionals[1], "mv");
    const toKey = targetKey(from.key, to.key);
    const info =
      from.storage === to.storage
        ? await from.storage.move(from.key, toKey, { signal: context.signal })
        : await moveAcross(from, to, toKey, context.signal);
    if (context.json) writeJson(context.stdout, { from: from.key, to: infoToJson(info) });
    else writeLine(context.stdout, `moved ${from.key} -> ${info.key}`);
    return 0;
  },
};
