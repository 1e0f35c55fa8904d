import {
  assertKnownOptions,
  putObjectInfo,
  StorageError,
  throwIfAborted,
  noCapabilities,
  type Capabilities,
  type CapabilityHints,
  type CapabilityName,
  type SignPutConflict,
  type DriverCopyOptions,
  type DriverDeleteOptions,
  type DriverGetOptions,
  type DriverGetResult,
  type DriverListOptions,
  type DriverOperationOptions,
  type DriverPutBody,
  type DriverPutOptions,
  type DriverRange,
  type DriverSignGetOptions,
  type DriverSignPutOptions,
  type ListPage,
  type ObjectInfo,
  type SignedRequest,
  type StorageDriver,
  type UrlSigner,
  type DriverCreateUploadOptions,
  type DriverCompleteUploadOptions,
  type DriverListUploadsOptions,
  type DriverSignUploadPartOptions,
  type DriverUploadPartOptions,
  type UploadedPart,
  type UploadLimits,
  type UploadListing,
} from "@stowage/core";
import type {
  R2Bucket,
  R2Conditional,
  R2Object,
  R2ObjectBody,
  R2PutOptions,
} from "@cloudflare/workers-types/2023-07-01";
import { toStorageError } from "./r2-errors.js";
import { toObjectInfo } from "./r2-object-info.js";
import { fixedLengthPut } from "./fixed-length-put.js";
import { r2Copy } from "./r2-copy.js";
import { r2DataHints } from "./r2-hints.js";
import { httpMetadataOf } from "./r2-http-metadata.js";
import { listVisible } from "./r2-visible-list.js";
import { isReservedKey, refuseReservedKey } from "./r2-reserved.js";
import { maxParts, maxSinglePutSize, minPartSize, unknownLengthPut } from "./unknown-length-put.js";
import { R2Uploads } from "./r2-uploads.js";
import { partSignerOf, r2UploadHints, r2UploadLimits, type PartSigner } from "./r2-upload-capabilities.js";

export interface R2DriverOptions {
  /** The R2 binding from the Worker's `env` (for example `env.BUCKET`). */
  bucket: R2Bucket;
  /**
   * Signs URLs, and adds the signGet and signPut capabilities:
   * - native mode: `r2Presigner({ accountId, bucketName, accessKeyId, secretAccessKey })`
   *   presigns against R2's S3 endpoint (content type and size enforced);
   * - gateway mode: `createHmacSigner({ secrets, baseUrl })` from `@stowage/core`,
   *   with `@stowage/http`'s `createSignedUrlHandler` serving `baseUrl` in a
   *   Worker route over this driver (adds maxSize, oneTime and ifNotExists).
   */
  signing?: UrlSigner;
  /**
   * Part size in bytes for streams of unknown length (multipart uploads).
   * At least 5 MiB; default 8 MiB. A stream shorter than one part is put in
   * one request.
   */
  partSize?: number;
}

/** What the binding supports, before signing. */
export const r2Capabilities: Capabilities = {
  ...noCapabilities,
  rangeRead: true,
  conditionalGet: true,
  putIfNotExists: true,
  putIfMatch: true,
  sha256: true,
  listDelimiter: true,
  listStartAfter: true,
  // Streamed through the Worker from get into put: the binding has no copy.
  copy: true,
  serverSideCopy: false,
  copyIfMatch: true,
  copyIfNotExists: true,
  // The binding's delete takes no condition.
  deleteIfMatch: false,
  // Over createMultipartUpload / resumeMultipartUpload, recorded in the upload registry.
  multipartUpload: true,
  // The binding's multipart complete() takes no condition.
  uploadIfNotExists: false,
  // Expiry lives in customMetadata, which the binding's list includes.
  expiry: true,
};

const defaultPartSize = 8 * 1024 * 1024;

/** A Stowage driver over a Workers R2 binding. */
export class R2Driver implements StorageDriver {
  readonly name = "r2";
  readonly capabilities: Capabilities;
  /** The signer's refused combinations (none for `r2Presigner` or `createHmacSigner`). */
  readonly signPutConflicts: readonly SignPutConflict[];
  /** How to switch on the signing capabilities that are off, and why copy and conditional delete are as they are. */
  readonly capabilityHints: CapabilityHints;
  /** The R2 binding. */
  readonly raw: R2Bucket;
  /** R2's part rules: 5 MiB to 5 GiB, at most 10,000, all equal but the last. */
  readonly uploadLimits: UploadLimits = r2UploadLimits;
  private readonly signer: UrlSigner | undefined;
  private readonly partSigner: PartSigner | undefined;
  private readonly partSize: number;
  private readonly uploads: R2Uploads;

  constructor(options: R2DriverOptions) {
    if (options === null || typeof options !== "object") {
      throw new StorageError("InvalidArgument", "r2Driver needs { bucket }, the R2 binding from env");
    }
    assertKnownOptions(options, r2DriverOptionNames, "r2Driver options");
    if (options.bucket === null || typeof options.bucket !== "object") {
      throw new StorageError("InvalidArgument", "r2Driver needs { bucket }, the R2 binding from env");
    }
    const signing: unknown = options.signing;
    if (signing !== undefined && !isUrlSigner(signing)) {
      throw new StorageError(
        "InvalidArgument",
        "r2Driver options.signing must be a UrlSigner: r2Presigner({ accountId, bucketName, accessKeyId, secretAccessKey }) " +
          "from @stowage/r2, or createHmacSigner({ secrets, baseUrl }) from @stowage/core",
      );
    }
    const partSize = options.partSize ?? defaultPartSize;
    if (!Number.isInteger(partSize) || partSize < minPartSize) {
      throw new StorageError("InvalidArgument", `partSize must be an integer of at least ${minPartSize} bytes`);
    }
    this.raw = options.bucket;
    this.partSize = partSize;
    this.signer = options.signing;
    this.partSigner = partSignerOf(this.signer);
    this.uploads = new R2Uploads(options.bucket, this.partSigner?.listUploadParts?.bind(this.partSigner));
    this.capabilities = Object.freeze({
      ...r2Capabilities,
      ...(this.signer ? { signGet: true, signPut: true, ...this.signer.capabilities } : {}),
      signUploadPart: this.partSigner !== undefined,
      // Gateway mode: signed GETs are served through a Storage (@stowage/http), which hides an expired object.
      signGetExpiry: this.signer?.capabilities.signGetExpiry === true,
    });
    this.signPutConflicts = Object.freeze([...(this.signer?.signPutConflicts ?? [])]);
    this.capabilityHints = Object.freeze({
      ...r2SigningHints(this.capabilities, this.signer !== undefined),
      ...r2ExpiryHints(this.capabilities, this.signer !== undefined),
      ...r2DataHints,
      ...r2UploadHints(this.partSigner !== undefined),
    });
  }

  async put(key: string, body: DriverPutBody, options: DriverPutOptions): Promise<ObjectInfo> {
    refuseReservedKey(key, "put");
    const putOptions: R2PutOptions = {
      httpMetadata: httpMetadataOf(options),
      customMetadata: { ...options.metadata },
    };
    if (options.sha256 !== undefined) putOptions.sha256 = options.sha256;
    const onlyIf: R2Conditional | undefined = options.ifNotExists
      ? { etagDoesNotMatch: "*" }
      : options.ifMatch !== undefined
        ? { etagMatches: options.ifMatch }
        : undefined;
    if (onlyIf !== undefined) putOptions.onlyIf = onlyIf;

    let object: R2Object | null;
    try {
      if (body instanceof Uint8Array) {
        object = (await (this.raw.put(key, body, putOptions) as Promise<R2Object | null>)) ?? null;
      } else if (options.size !== undefined && options.size > 0 && options.size <= maxSinglePutSize) {
        object = await fixedLengthPut(this.raw, key, body, options.size, putOptions);
      } else {
        // Unknown length, or too large for one put: parts big enough that
        // the known size fits in R2's 10,000.
        const fitting = options.size === undefined ? 0 : Math.ceil(options.size / maxParts / minPartSize) * minPartSize;
        object = await unknownLengthPut(this.raw, key, body, {
          put: putOptions,
          conditional: onlyIf !== undefined,
          partSize: Math.max(this.partSize, fitting),
        });
      }
    } catch (error) {
      throw toStorageError(error, "put");
    }
    if (object === null) {
      if (options.ifNotExists) throw new StorageError("AlreadyExists", `${key} already exists`);
      throw new StorageError("PreconditionFailed", `${key} does not have etag ${options.ifMatch}`);
    }
    return putObjectInfo(key, { size: object.size, etag: object.etag, lastModified: new Date(object.uploaded.getTime()) }, options);
  }

  async get(key: string, options: DriverGetOptions): Promise<DriverGetResult | null> {
    throwIfAborted(options.signal, "get");
    if (isReservedKey(key)) return null;
    const onlyIf: R2Conditional = {};
    if (options.ifMatch !== undefined) onlyIf.etagMatches = options.ifMatch;
    if (options.ifNoneMatch !== undefined) onlyIf.etagDoesNotMatch = options.ifNoneMatch;
    const conditional = options.ifMatch !== undefined || options.ifNoneMatch !== undefined;
    let object: R2Object | R2ObjectBody | null;
    try {
      object = await this.raw.get(key, {
        ...(conditional ? { onlyIf } : {}),
        ...(options.range !== undefined ? { range: options.range } : {}),
      });
    } catch (error) {
      const mapped = toStorageError(error, "get");
      // Some unsatisfiable ranges (any range of an empty object, an offset
      // equal to the size with a length) fail with an unspecified error (0).
      if (mapped.code === "Unknown" && options.range !== undefined) {
        const head = await this.raw.head(key).catch(() => undefined);
        if (head === null) return null;
        if (head !== undefined && resolveRange(options.range, head.size) === undefined) {
          throw new StorageError("RangeNotSatisfiable", `The range is outside ${key} (${head.size} bytes)`, { cause: error });
        }
      }
      throw mapped;
    }
    if (object === null) return null;
    if (!("body" in object)) {
      // A failed onlyIf: the binding returns the object without a body.
      if (options.ifMatch !== undefined && object.etag !== options.ifMatch) {
        throw new StorageError("PreconditionFailed", `${key} does not have etag ${options.ifMatch}`);
      }
      throw new StorageError("NotModified", `${key} still has etag ${object.etag}`);
    }
    const result: DriverGetResult = { info: toObjectInfo(object), body: object.body as ReadableStream<Uint8Array> };
    if (options.range !== undefined) {
      const range = resolveRange(options.range, object.size);
      if (range === undefined) {
        await object.body.cancel().catch(() => {});
        throw new StorageError("RangeNotSatisfiable", `The range is outside ${key} (${object.size} bytes)`);
      }
      result.range = range;
    }
    return result;
  }

  async head(key: string, options: DriverOperationOptions = {}): Promise<ObjectInfo | null> {
    // The binding takes no signal: an aborted call is refused before it starts.
    throwIfAborted(options.signal, "head");
    if (isReservedKey(key)) return null;
    try {
      const object = await this.raw.head(key);
      return object === null ? null : toObjectInfo(object);
    } catch (error) {
      throw toStorageError(error, "head");
    }
  }

  async list(options: DriverListOptions): Promise<ListPage> {
    throwIfAborted(options.signal, "list");
    return listVisible(this.raw, options);
  }

  async delete(keys: string[], options: DriverDeleteOptions = {}): Promise<void> {
    throwIfAborted(options.signal, "delete");
    if (options.ifMatch !== undefined) {
      // Storage never passes it (deleteIfMatch is off); a direct caller is refused, never served non-atomically.
      throw new StorageError("Unsupported", `delete with ifMatch is not supported by r2: ${r2DataHints.deleteIfMatch}`);
    }
    for (const key of keys) refuseReservedKey(key, "delete");
    try {
      await this.raw.delete(keys);
    } catch (error) {
      throw toStorageError(error, "delete");
    }
  }

  async copy(from: string, to: string, options: DriverCopyOptions = {}): Promise<ObjectInfo> {
    throwIfAborted(options.signal, "copy");
    refuseReservedKey(from, "copy");
    refuseReservedKey(to, "copy");
    return r2Copy(this.raw, from, to, options, { partSize: this.partSize });
  }

  signPut(key: string, options: DriverSignPutOptions): Promise<SignedRequest> {
    try {
      refuseReservedKey(key, "signPut");
    } catch (error) {
      return Promise.reject(error);
    }
    if (!this.signer) return Promise.reject(new StorageError("Unsupported", `This r2 driver has no signing configured: ${r2SigningHint}`));
    return this.signer.signPut(key, options);
  }

  signGet(key: string, options: DriverSignGetOptions): Promise<SignedRequest> {
    if (!this.signer) return Promise.reject(new StorageError("Unsupported", `This r2 driver has no signing configured: ${r2SigningHint}`));
    return this.signer.signGet(key, options);
  }

  async createUpload(key: string, options: DriverCreateUploadOptions): Promise<{ uploadId: string }> {
    refuseReservedKey(key, "createUpload");
    return this.uploads.create(key, options);
  }

  /** Gateway mode: an HMAC part URL for `@stowage/http`; native mode: an UploadPart URL presigned against R2's S3 endpoint. */
  async signUploadPart(key: string, uploadId: string, partNumber: number, options: DriverSignUploadPartOptions): Promise<SignedRequest> {
    if (!this.partSigner) throw new StorageError("Unsupported", `This r2 driver cannot sign upload parts: ${r2UploadHints(false).signUploadPart}`);
    return this.partSigner.signUploadPart(key, uploadId, partNumber, options);
  }

  /** Stores a part through the binding (gateway mode: `@stowage/http` serves the part URLs with it). */
  uploadPart(key: string, uploadId: string, partNumber: number, body: DriverPutBody, options: DriverUploadPartOptions = {}): Promise<{ etag: string; size: number }> {
    return this.uploads.uploadPart(key, uploadId, partNumber, body, options);
  }

  listUploadParts(key: string, uploadId: string, options: DriverOperationOptions = {}): Promise<UploadedPart[]> {
    return this.uploads.listParts(key, uploadId, options);
  }

  completeUpload(key: string, uploadId: string, parts: { partNumber: number; etag: string }[], options: DriverCompleteUploadOptions = {}): Promise<ObjectInfo> {
    return this.uploads.complete(key, uploadId, parts, options);
  }

  abortUpload(key: string, uploadId: string, options: DriverOperationOptions = {}): Promise<void> {
    return this.uploads.abort(key, uploadId, options);
  }

  listUploads(options: DriverListUploadsOptions): Promise<UploadListing[]> {
    return this.uploads.list(options);
  }
}

const r2DriverOptionNames = ["bucket", "signing", "partSize"] as const;

const gatewayHint =
  "createHmacSigner({ secrets, baseUrl }) from @stowage/core, with @stowage/http's createSignedUrlHandler serving baseUrl in a Worker route (gateway mode)";

/** How to give an r2 driver signing. */
const r2SigningHint =
  "pass `signing: r2Presigner({ accountId, bucketName, accessKeyId, secretAccessKey })` to r2Driver() " +
  `for native presigned URLs (content type and exact size), or \`signing: ${gatewayHint}\` for every constraint`;

/** Hints for the signing capabilities that are off. */
function r2SigningHints(capabilities: Capabilities, signed: boolean): CapabilityHints {
  const hints: Partial<Record<CapabilityName, string>> = {};
  for (const name of Object.keys(capabilities) as CapabilityName[]) {
    if (!name.startsWith("sign") || name === "signGetExpiry" || capabilities[name]) continue;
    hints[name] = signed
      ? `the signer passed to r2Driver() does not enforce it (R2 presigned URLs cannot enforce maxSize, oneTime or ifNotExists); sign with ${gatewayHint}, which enforces every constraint`
      : r2SigningHint;
  }
  return Object.freeze(hints);
}

/** Why signed GETs do not see expiry when they do not (native mode or no signer), and how to make them. */
function r2ExpiryHints(capabilities: Capabilities, signed: boolean): CapabilityHints {
  if (capabilities.signGetExpiry) return {};
  return Object.freeze({
    signGetExpiry: signed
      ? "the signer's GET URLs are served by R2's S3 endpoint (native mode), which does not know an object's expiry, " +
        "so signGet HEADs the object first, refuses an expired one and caps the URL's lifetime at its expiry; " +
        `for URLs served through a Storage (an expired object answers 404), sign with ${gatewayHint}`
      : r2SigningHint,
  });
}

function isUrlSigner(value: unknown): value is UrlSigner {
  if (value === null || typeof value !== "object") return false;
  const signer = value as Partial<Record<keyof UrlSigner, unknown>>;
  return typeof signer.signPut === "function" && typeof signer.signGet === "function";
}

/** The bytes a range selects in an object of `size` bytes, or undefined when none. */
function resolveRange(range: DriverRange, size: number): { offset: number; length: number } | undefined {
  if (size === 0) return undefined;
  if ("suffix" in range) {
    const length = Math.min(range.suffix, size);
    return { offset: size - length, length };
  }
  if (range.offset >= size) return undefined;
  const available = size - range.offset;
  return { offset: range.offset, length: range.length === undefined ? available : Math.min(range.length, available) };
}

/** Creates a driver over a Workers R2 binding: `r2Driver({ bucket: env.BUCKET })`. */
export function r2Driver(options: R2DriverOptions): R2Driver {
  return new R2Driver(options);
}
