import { Storage, StorageError, type PutOptions } from "@stowage/core";

// Mutations of the portable layer. Some cases check what `Storage` does
// around any driver (key and option validation, capability gating, error
// wrapping); no driver bug can make them fail, so these patches break
// `Storage` itself for the duration of one run.

type Patch = () => () => void;

// Storage's private members, reached at run time.
interface StorageInternals {
  put(key: string, body: unknown, options?: PutOptions): Promise<unknown>;
  get(key: string, options?: Record<string, unknown>): Promise<unknown>;
  head(key: string, options?: Record<string, unknown>): Promise<unknown>;
  list(options?: Record<string, unknown>): Promise<unknown>;
  delete(keys: string | string[], options?: Record<string, unknown>): Promise<unknown>;
  updateMetadata(key: string, changes: Record<string, unknown>, options?: Record<string, unknown>): Promise<unknown>;
  putOptions(options: PutOptions): Record<string, unknown>;
  require(capability: string, option: string): void;
  wrap(error: unknown, operation: string, key?: string): unknown;
  checkSignPut(options?: Record<string, unknown>): unknown;
  signPutOptions(options: Record<string, unknown>): { expiresIn: number; constraints: Record<string, unknown> };
  hint(capability: string): string;
}

const prototype = Storage.prototype as unknown as StorageInternals;

function replace<K extends keyof StorageInternals>(
  name: K,
  make: (original: StorageInternals[K]) => StorageInternals[K],
): () => void {
  const original = prototype[name];
  prototype[name] = make(original);
  return () => {
    prototype[name] = original;
  };
}

export const coreFlags = {
  skipKeyValidation: false,
  skipEtagNormalization: false,
  /** assertKnownOptions lets any key through (the shape check stays). */
  dropUnknownOptions: false,
  /** assertKnownOptions lets any value through as options (null, arrays, class instances). */
  acceptAnyOptions: false,
  /** validateSignal returns whatever it is given. */
  trustAnySignal: false,
  /** validateMetadata trims values instead of refusing outer spaces. */
  trimMetadata: false,
  /** deletePrefix lists one page only (its listings lose their cursor). */
  deletePrefixOneBatch: false,
  /** deletePrefix takes an empty prefix to mean every object, without `all: true`. */
  deletePrefixEmptyMeansAll: false,
  /** deletePrefix drops its signal. */
  deletePrefixIgnoresSignal: false,
  /** A Blob's type is not used as the default content type. */
  ignoreBlobType: false,
  /** A Blob's type replaces the caller's contentType. */
  blobTypeOverrides: false,
  /** An async iterable's chunks are read as their whole backing buffers. */
  iterableWholeBuffers: false,
  /** An async iterable's error ends the body instead of failing it. */
  iterableSwallowsError: false,
  /** An async iterable's string chunks are encoded as UTF-8 instead of refused. */
  iterableEncodesStrings: false,
  /** Completing an upload checks its parts but not the total against maxSize. */
  skipUploadMaxSize: false,
  /** isExpired always answers no. */
  expiryIgnored: false,
  /** isExpired answers yes only after the instant, not at it. */
  expiryOffByOne: false,
  /** publicInfo leaves the stored expiry field in metadata. */
  expiryFieldShown: false,
  /** ttlSeconds is read as milliseconds. */
  ttlAsMilliseconds: false,
  /** A bad expiresAt or ttlSeconds is dropped instead of refused. */
  skipExpiryValidation: false,
  /** A copy with replaced metadata drops the source's expiry. */
  copyDropsExpiry: false,
  /** list drops expired objects but does not refill the page. */
  listNoRefill: false,
  /** sweepExpired deletes without ifMatch. */
  sweepUnconditional: false,
  /** sweepExpired judges expiry by a clock a year ahead. */
  sweepClockAhead: false,
};

/** Turns one flag on for the run; the returned function turns it off. */
function flag(name: keyof typeof coreFlags): () => void {
  coreFlags[name] = true;
  return () => {
    coreFlags[name] = false;
  };
}

const capabilityFor: Record<string, string> = { ifNotExists: "putIfNotExists", ifMatch: "putIfMatch", sha256: "sha256" };

export const brokenCore: Record<string, Patch> = {
  "core: ignores expiry on reads": () => flag("expiryIgnored"),
  "core: an object expires only after its instant, not at it": () => flag("expiryOffByOne"),
  "core: shows the stored expiry field in metadata": () => flag("expiryFieldShown"),
  "core: reads ttlSeconds as milliseconds": () => flag("ttlAsMilliseconds"),
  "core: skips expiry validation": () => flag("skipExpiryValidation"),
  "core: a copy with replaced metadata drops the expiry": () => flag("copyDropsExpiry"),
  "core: list does not refill pages that lost expired objects": () => flag("listNoRefill"),
  "core: sweepExpired deletes without ifMatch": () => flag("sweepUnconditional"),
  "core: sweepExpired judges expiry a year ahead": () => flag("sweepClockAhead"),
  "core: skips key validation": () => {
    coreFlags.skipKeyValidation = true;
    return () => {
      coreFlags.skipKeyValidation = false;
    };
  },
  "core: passes etags through unnormalized": () => {
    coreFlags.skipEtagNormalization = true;
    return () => {
      coreFlags.skipEtagNormalization = false;
    };
  },
  "core: skips capability checks": () => replace("require", () => () => {}),
  "core: requires capabilities for options set to false": () =>
    replace("putOptions", (original) =>
      function (this: StorageInternals, options: PutOptions) {
        for (const [name, capability] of Object.entries(capabilityFor)) {
          if (name in options) this.require(capability, name);
        }
        return original.call(this, options);
      },
    ),
  "core: skips metadata validation": () =>
    replace("putOptions", (original) =>
      function (this: StorageInternals, options: PutOptions) {
        const out = original.call(this, { ...options, metadata: undefined });
        out.metadata = { ...options.metadata };
        return out;
      },
    ),
  "core: skips header and content-type validation": () =>
    replace("putOptions", (original) =>
      function (this: StorageInternals, options: PutOptions) {
        const { contentType, cacheControl, contentDisposition, contentEncoding, size, ...rest } = options;
        const out = original.call(this, rest);
        if (contentType !== undefined) out.contentType = contentType;
        if (cacheControl !== undefined) out.cacheControl = cacheControl;
        if (contentDisposition !== undefined) out.contentDisposition = contentDisposition;
        if (contentEncoding !== undefined) out.contentEncoding = contentEncoding;
        if (size !== undefined && size >= 0 && Number.isInteger(size)) out.size = size;
        return out;
      },
    ),
  "core: ignores the size option": () =>
    replace("putOptions", (original) =>
      function (this: StorageInternals, options: PutOptions) {
        const out = original.call(this, options);
        delete out.size;
        return out;
      },
    ),
  "core: ignores the sha256 option": () =>
    replace("putOptions", (original) =>
      function (this: StorageInternals, options: PutOptions) {
        const out = original.call(this, options);
        delete out.sha256;
        return out;
      },
    ),
  "core: ignores the abort signal": () => {
    const restorePut = replace("put", (original) =>
      function (this: StorageInternals, key: string, body: unknown, options: PutOptions = {}) {
        return original.call(this, key, body, { ...options, signal: undefined });
      },
    );
    const restoreGet = replace("get", (original) =>
      function (this: StorageInternals, key: string, options: Record<string, unknown> = {}) {
        return original.call(this, key, { ...options, signal: undefined });
      },
    );
    return () => {
      restoreGet();
      restorePut();
    };
  },
  "core: drops unknown options silently": () => flag("dropUnknownOptions"),
  "core: reads any value as options": () => flag("acceptAnyOptions"),
  "core: trusts any value as a signal": () => flag("trustAnySignal"),
  "core: trims metadata values instead of refusing outer spaces": () => flag("trimMetadata"),
  "core: ignores the signal on head, list and delete": () => {
    const withoutSignal = (options: Record<string, unknown> | undefined) => ({ ...options, signal: undefined });
    const restoreHead = replace("head", (original) =>
      function (this: StorageInternals, key: string, options?: Record<string, unknown>) {
        return original.call(this, key, withoutSignal(options));
      },
    );
    const restoreList = replace("list", (original) =>
      function (this: StorageInternals, options?: Record<string, unknown>) {
        return original.call(this, withoutSignal(options));
      },
    );
    const restoreDelete = replace("delete", (original) =>
      function (this: StorageInternals, keys: string | string[], options?: Record<string, unknown>) {
        return original.call(this, keys, withoutSignal(options));
      },
    );
    return () => {
      restoreDelete();
      restoreList();
      restoreHead();
    };
  },
  "core: encodes strings as Latin-1": () =>
    replace("put", (original) =>
      function (this: StorageInternals, key: string, body: unknown, options?: PutOptions) {
        if (typeof body === "string") body = Uint8Array.from(body, (char) => char.charCodeAt(0) & 0xff);
        return original.call(this, key, body, options);
      },
    ),
  "core: passes ranges to the driver unvalidated": () =>
    replace("get", (original) =>
      async function (this: StorageInternals & { driver: Storage["driver"] }, key: string, options: Record<string, unknown> = {}) {
        if (options.range === undefined) return original.call(this, key, options);
        const result = await this.driver.get(key, { range: options.range as never });
        return result === null ? null : { ...result.info, range: result.range };
      },
    ),
  "core: clamps an invalid list limit": () =>
    replace("list", (original) =>
      function (this: StorageInternals, options: Record<string, unknown> = {}) {
        const limit = options.limit as number | undefined;
        const valid = limit === undefined || (Number.isInteger(limit) && limit >= 1 && limit <= 1000);
        return original.call(this, valid ? options : { ...options, limit: 1000 });
      },
    ),
  "core: ignores declared signPut conflicts": () =>
    replace("signPutOptions", (original) =>
      function (this: StorageInternals & { signPutConflicts: unknown }, options: Record<string, unknown>) {
        const conflicts = this.signPutConflicts;
        this.signPutConflicts = [];
        try {
          return original.call(this, options);
        } finally {
          this.signPutConflicts = conflicts;
        }
      },
    ),
  "core: checkSignPut answers ok without checking": () => replace("checkSignPut", () => () => ({ ok: true })),
  "core: drops signPut constraints on the way to the driver": () =>
    replace("signPutOptions", (original) =>
      function (this: StorageInternals, options: Record<string, unknown>) {
        const result = original.call(this, options);
        delete result.constraints.ifNotExists;
        return result;
      },
    ),
  "core: deletePrefix stops after its first batch": () => flag("deletePrefixOneBatch"),
  "core: deletePrefix takes an empty prefix to mean everything": () => flag("deletePrefixEmptyMeansAll"),
  "core: ignores the deletePrefix signal": () => flag("deletePrefixIgnoresSignal"),
  "core: ignores a Blob's type": () => flag("ignoreBlobType"),
  "core: a Blob's type overrides contentType": () => flag("blobTypeOverrides"),
  "core: reads an async iterable's chunks as their whole backing buffers": () => flag("iterableWholeBuffers"),
  "core: ends an async iterable's body at its error instead of failing the put": () => flag("iterableSwallowsError"),
  "core: encodes an async iterable's string chunks as UTF-8 instead of refusing them": () => flag("iterableEncodesStrings"),
  "core: drops ifMatch from updateMetadata": () =>
    replace("updateMetadata", (original) =>
      function (this: StorageInternals, key: string, changes: Record<string, unknown>, options: Record<string, unknown> = {}) {
        const { ifMatch: _dropped, ...rest } = options;
        return original.call(this, key, changes, rest);
      },
    ),
  "core: leaves the driver's hint out of Unsupported messages": () => replace("hint", () => () => ""),
  "core: completing an upload skips the maxSize check": () => flag("skipUploadMaxSize"),
  "core: does not wrap errors": () => replace("wrap", () => (error: unknown) => error),
  "core: wraps errors without operation or driver": () =>
    replace("wrap", () => (error: unknown) =>
      error instanceof StorageError ? error : new StorageError("Unknown", String(error))),
};
