import { StorageError } from "./storage-error.js";

/**
 * Spellings other libraries and our own design documents use, mapped to the
 * option Stowage names. A misspelt option is never dropped: it is refused, and
 * these make the message point at the right name even when it is far away.
 */
const commonAliases: Readonly<Record<string, string>> = {
  once: "oneTime",
  onetime: "oneTime",
  singleuse: "oneTime",
  checksum: "sha256",
  checksumsha256: "sha256",
  ifnonematch: "ifNotExists",
  createonly: "ifNotExists",
  contentlength: "size",
  length: "size",
  maxbytes: "maxSize",
  sizelimit: "maxSize",
  expires: "expiresIn",
  ttl: "expiresIn",
  type: "contentType",
  mimetype: "contentType",
  filename: "downloadFilename",
  abortsignal: "signal",
};

/**
 * Refuses an options object that is not a plain object, or that has a key not
 * in `known`, with `InvalidArgument` naming the key and the nearest known one.
 * `undefined` passes (the caller fills defaults). `where` names the call, such
 * as `"put options"` or `"fsDriver options"`.
 */
export function assertKnownOptions(options: unknown, known: readonly string[], where: string): void {
  if (options === undefined) return;
  if (!isPlainObject(options)) {
    throw new StorageError(
      "InvalidArgument",
      `${where} must be a plain object (got ${describe(options)}); pass {} or leave it out for the defaults`,
    );
  }
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const suggestion = nearestOption(name, known);
    const hint = suggestion === undefined ? `known options: ${known.join(", ")}` : `did you mean "${suggestion}"?`;
    throw new StorageError("InvalidArgument", `${where} has an unknown option "${name}"; ${hint}`);
  }
}

/**
 * True for an object literal (or `Object.create(null)`), from any realm: its
 * prototype is null or has no prototype itself. Class instances such as an
 * AbortSignal or a Map passed where options belong are not, so their fields
 * are never silently read as no options at all.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

/** The known option closest to `name`, if any is close enough to be a likely misspelling. */
export function nearestOption(name: string, known: readonly string[]): string | undefined {
  const folded = fold(name);
  const aliased = commonAliases[folded];
  if (aliased !== undefined && known.includes(aliased)) return aliased;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(folded, fold(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const tolerance = Math.max(2, Math.floor(folded.length / 3));
  return bestDistance <= tolerance ? best : undefined;
}

function fold(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, "");
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** A short, safe description of a value for an error message. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return `${typeof value} ${String(value)}`;
  if (typeof value === "function") return "a function";
  if (typeof value === "object") {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === "string" && name !== "Object" ? `a ${name}` : "an object";
  }
  return String(value);
}
