import type { CommandContext, Location } from "./command.js";
import { UsageError } from "./errors.js";

/** A storage location (`URL` or `URL#key`); a local path is a usage error naming the command. */
export type StorageLocation = Extract<Location, { kind: "storage" }>;

/** Opens a positional that must be a storage location. */
export async function openStorageLocation(context: CommandContext, argument: string | undefined, command: string): Promise<StorageLocation> {
  if (argument === undefined) throw new UsageError(`${command} needs a storage location (see stowage ${command} --help)`);
  const location = await context.open(argument);
  if (location.kind !== "storage") {
    throw new UsageError(`${command} works on storage locations (file:…, s3://…, memory://), not the local path "${argument}"`);
  }
  return location;
}

/** Checks the number of positionals. */
export function expectPositionals(positionals: string[], min: number, max: number, command: string): void {
  if (positionals.length < min || positionals.length > max) {
    const wanted = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new UsageError(`${command} takes ${wanted} argument${max === 1 ? "" : "s"} (got ${positionals.length}; see stowage ${command} --help)`);
  }
}

/** A storage location that must name one object (a non-empty key). */
export async function openObjectLocation(context: CommandContext, argument: string | undefined, command: string): Promise<StorageLocation> {
  const location = await openStorageLocation(context, argument, command);
  if (location.key === "") throw new UsageError(`${command} needs a key: ${argument}#path/to/key`);
  return location;
}
