import type { Capabilities, SignPutConflict, StorageDriver } from "@stowage/core";

type DriverMethod =
  | "put"
  | "get"
  | "head"
  | "list"
  | "delete"
  | "copy"
  | "move"
  | "signPut"
  | "signGet"
  | "createUpload"
  | "signUploadPart"
  | "listUploadParts"
  | "completeUpload"
  | "abortUpload"
  | "listUploads"
  | "uploadPart";

export interface WrapDriverOptions {
  /** Capabilities to switch on or off, over the wrapped driver's own. */
  capabilities?: Partial<Capabilities>;
  /** Replaces the wrapped driver's `signPutConflicts`. */
  signPutConflicts?: readonly SignPutConflict[];
  /** Called with the method name before each call reaches the wrapped driver. */
  onCall?: (method: DriverMethod, args: unknown[]) => void;
  /** Replacements for methods (they may call `inner`). */
  methods?: Partial<Pick<StorageDriver, DriverMethod>>;
  /** Optional methods to leave out (`move`: `Storage.move` then copies and deletes). */
  omit?: DriverMethod[];
}

const methodNames: DriverMethod[] = [
  "put",
  "get",
  "head",
  "list",
  "delete",
  "copy",
  "move",
  "signPut",
  "signGet",
  "createUpload",
  "signUploadPart",
  "listUploadParts",
  "completeUpload",
  "abortUpload",
  "listUploads",
  "uploadPart",
];

/**
 * A driver that delegates to `inner`, optionally with other capabilities,
 * recorded calls or replaced methods. Cases use it to check what `Storage`
 * does around any driver (capability gating, validation before I/O) on every
 * backend, including a shared real bucket. The multipart upload methods,
 * `uploadLimits` and `uploadPart` are forwarded too.
 */
export function wrapDriver(inner: StorageDriver, options: WrapDriverOptions = {}): StorageDriver {
  const wrapped: Record<string, unknown> = {
    name: inner.name,
    capabilities: Object.freeze({ ...inner.capabilities, ...options.capabilities }),
    raw: inner.raw,
  };
  const conflicts = options.signPutConflicts ?? inner.signPutConflicts;
  if (conflicts !== undefined) wrapped.signPutConflicts = conflicts;
  if (inner.capabilityHints !== undefined) wrapped.capabilityHints = inner.capabilityHints;
  if (inner.uploadLimits !== undefined) wrapped.uploadLimits = inner.uploadLimits;
  if (inner.maxMetadataBytes !== undefined) wrapped.maxMetadataBytes = inner.maxMetadataBytes;
  if (inner.publicUrlRefusal !== undefined) wrapped.publicUrlRefusal = inner.publicUrlRefusal;
  const methods = (options.methods ?? {}) as Partial<Record<DriverMethod, unknown>>;
  const omitted = (options.omit ?? []) as DriverMethod[];
  for (const name of methodNames) {
    if (omitted.includes(name)) continue;
    const replacement = methods[name];
    const original = (inner as unknown as Record<string, unknown>)[name];
    const target = replacement ?? (typeof original === "function" ? (original as (...args: unknown[]) => unknown).bind(inner) : undefined);
    if (target === undefined) continue;
    wrapped[name] = (...args: unknown[]) => {
      options.onCall?.(name, args);
      return (target as (...inner: unknown[]) => unknown)(...args);
    };
  }
  return wrapped as unknown as StorageDriver;
}
