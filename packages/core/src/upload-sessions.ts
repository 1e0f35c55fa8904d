import type { CapabilityName } from "./capabilities.js";
import type { StorageDriver } from "./storage-driver.js";
import type { ObjectInfo, SignedRequest } from "./storage-types.js";
import type {
  AbortUploadsOptions,
  CreateUploadOptions,
  ListUploadsOptions,
  SignUploadPartsOptions,
  UploadedPart,
  UploadListing,
  UploadSession,
} from "./upload-types.js";
import { StorageError } from "./storage-error.js";
import { assertValidKey } from "./validate-key.js";
import { assertKnownOptions } from "./known-options.js";
import { throwIfAborted, validateSignal } from "./abort-signal.js";
import { invalid, isFlagSet, maxExpiresIn, normalizeEtag, validateListText } from "./validate-options.js";
import { normalizePutOptions } from "./operation-options.js";
import { partSizeOf, planUploadParts, s3UploadLimits, type UploadLimits } from "./upload-plan.js";
import { checkUploadedParts } from "./uploaded-parts.js";
import { validateUploadSession } from "./validate-upload-session.js";
import { signingTimes } from "./signing-times.js";

/** What the upload methods need from `Storage`. */
export interface UploadsContext {
  driver: StorageDriver;
  /** The driver's user-metadata budget in bytes. */
  metadataLimit: number;
  clock: () => number;
  require(capability: CapabilityName, option: string): void;
  wrap(error: unknown, operation: string, key?: string): StorageError;
}

const createOptionNames = [
  "contentType",
  "cacheControl",
  "contentDisposition",
  "contentEncoding",
  "metadata",
  "size",
  "maxSize",
  "ifNotExists",
  "partSize",
  "expiresIn",
  "signal",
] as const;
const defaultSessionSeconds = 86_400;
const defaultPartUrlSeconds = 3600;

/**
 * Multipart upload sessions (`storage.uploads`): the server creates one,
 * an unauthenticated client PUTs parts to signed part URLs, and the server
 * completes or aborts it. Every constraint of the session is enforced or
 * refused: the content type is fixed at creation, each part URL carries
 * its exact length when the size is known, and completion checks the
 * parts and the total (above `maxSize`: `TooLarge`, and the upload is
 * aborted) before the object appears, atomically.
 */
export class Uploads {
  readonly #context: UploadsContext;
  /** The backend's part rules (S3's unless the driver says otherwise). */
  readonly limits: UploadLimits;

  constructor(context: UploadsContext) {
    this.#context = context;
    this.limits = Object.freeze({ ...(context.driver.uploadLimits ?? s3UploadLimits) });
  }

  /** Starts an upload of `key`, planning its parts. Nothing is visible at `key` until `complete`. */
  async create(key: string, options: CreateUploadOptions = {}): Promise<UploadSession> {
    return this.#run("createUpload", key, async () => {
      assertValidKey(key, "createUpload");
      assertKnownOptions(options, createOptionNames, "createUpload options");
      this.#context.require("multipartUpload", "createUpload");
      const { size, maxSize, partSize, expiresIn, ifNotExists, signal, ...fields } = options;
      const driverFields = normalizePutOptions(fields, (capability, option) => this.#context.require(capability, option), this.#context.metadataLimit);
      const plan = planUploadParts({ ...(size === undefined ? {} : { size }), ...(maxSize === undefined ? {} : { maxSize }), ...(partSize === undefined ? {} : { partSize }) }, this.limits);
      const create = isFlagSet(ifNotExists, "ifNotExists");
      if (create) this.#context.require("uploadIfNotExists", "ifNotExists");
      const seconds = sessionSeconds(expiresIn);
      const checkedSignal = validateSignal(signal);
      throwIfAborted(checkedSignal, "createUpload");
      const { expiresAt } = signingTimes(this.#context.clock, seconds);
      const { uploadId } = await this.#driverMethod("createUpload").call(this.#context.driver, key, {
        contentType: driverFields.contentType,
        metadata: driverFields.metadata,
        ...(driverFields.cacheControl === undefined ? {} : { cacheControl: driverFields.cacheControl }),
        ...(driverFields.contentDisposition === undefined ? {} : { contentDisposition: driverFields.contentDisposition }),
        ...(driverFields.contentEncoding === undefined ? {} : { contentEncoding: driverFields.contentEncoding }),
        ...(checkedSignal === undefined ? {} : { signal: checkedSignal }),
      });
      const session: UploadSession = { key, uploadId, partSize: plan.partSize, contentType: driverFields.contentType, expiresAt: expiresAt.toISOString() };
      if (plan.partCount !== undefined) session.partCount = plan.partCount;
      if (size !== undefined) session.size = size;
      if (maxSize !== undefined) session.maxSize = maxSize;
      if (create) session.ifNotExists = true;
      return session;
    });
  }

  /** One signed PUT per part number; with a known size each carries its part's exact length. */
  async signParts(session: UploadSession, partNumbers: number[], options: SignUploadPartsOptions = {}): Promise<SignedRequest[]> {
    return this.#run("signUploadParts", session?.key, async () => {
      const checked = validateUploadSession(session);
      assertKnownOptions(options, ["expiresIn"], "signUploadParts options");
      this.#context.require("signUploadPart", "signUploadParts");
      if (!Array.isArray(partNumbers) || partNumbers.length === 0) throw invalid("partNumbers must be a non-empty array of part numbers");
      const highest = checked.partCount ?? this.limits.maxParts;
      for (const partNumber of partNumbers) {
        if (typeof partNumber !== "number" || !Number.isInteger(partNumber) || partNumber < 1 || partNumber > highest) {
          throw invalid(`part numbers run from 1 to ${highest} for this upload (got ${String(partNumber)})`);
        }
      }
      const times = signingTimes(this.#context.clock, 0);
      const sessionEnd = Date.parse(checked.expiresAt);
      const left = Math.floor((sessionEnd - times.now.getTime()) / 1000);
      if (left < 1) throw invalid(`The upload session expired at ${checked.expiresAt}; create a new one`);
      const requested = options.expiresIn === undefined ? defaultPartUrlSeconds : sessionSeconds(options.expiresIn);
      const seconds = Math.min(requested, left);
      const sign = this.#driverMethod("signUploadPart");
      return Promise.all(
        [...new Set(partNumbers)].map((partNumber) => {
          const size = partSizeOf(checked, partNumber);
          return sign.call(this.#context.driver, checked.key, checked.uploadId, partNumber, {
            expiresIn: seconds,
            now: times.now,
            expiresAt: new Date(times.now.getTime() + seconds * 1000),
            ...(size === undefined ? {} : { size }),
          });
        }),
      );
    });
  }

  /** The parts the backend holds so far: what a resumed client need not send again. */
  async listParts(session: UploadSession): Promise<UploadedPart[]> {
    return this.#run("listUploadParts", session?.key, async () => {
      const checked = validateUploadSession(session);
      this.#context.require("multipartUpload", "listUploadParts");
      return this.#driverMethod("listUploadParts").call(this.#context.driver, checked.key, checked.uploadId, {});
    });
  }

  /**
   * Checks the parts against the session (contiguous from 1, planned sizes,
   * the total against `size` and `maxSize`) and makes the object visible.
   * Over `maxSize` it aborts the upload and fails with `TooLarge`; missing
   * or wrong-sized parts fail with `InvalidArgument` and leave the session
   * open so the client can send them.
   */
  async complete(session: UploadSession, parts?: { partNumber: number; etag: string }[]): Promise<ObjectInfo> {
    return this.#run("completeUpload", session?.key, async () => {
      const checked = validateUploadSession(session);
      this.#context.require("multipartUpload", "completeUpload");
      if (checked.ifNotExists) this.#context.require("uploadIfNotExists", "ifNotExists");
      const held = await this.#driverMethod("listUploadParts").call(this.#context.driver, checked.key, checked.uploadId, {});
      const problem = checkUploadedParts(checked, held, parts, this.limits);
      if (problem?.code === "TooLarge") await this.#abortQuietly(checked);
      if (problem !== undefined) throw new StorageError(problem.code, problem.message);
      const chosen = (parts ?? held).map((part) => ({ partNumber: part.partNumber, etag: normalizeEtag(part.etag, "etag") }));
      return this.#driverMethod("completeUpload").call(this.#context.driver, checked.key, checked.uploadId, chosen, checked.ifNotExists ? { ifNotExists: true } : {});
    });
  }

  /** Discards the upload and its parts; aborting one that is gone succeeds. */
  async abort(session: UploadSession): Promise<void> {
    return this.#run("abortUpload", session?.key, async () => {
      const checked = validateUploadSession(session);
      this.#context.require("multipartUpload", "abortUpload");
      await this.#driverMethod("abortUpload").call(this.#context.driver, checked.key, checked.uploadId, {});
    });
  }

  /** Uploads in progress under `prefix`. */
  async list(options: ListUploadsOptions = {}): Promise<UploadListing[]> {
    return this.#run("listUploads", undefined, async () => {
      assertKnownOptions(options, ["prefix", "signal"], "listUploads options");
      this.#context.require("multipartUpload", "listUploads");
      const prefix = options.prefix === undefined ? "" : validateListText(options.prefix, "prefix", true);
      const signal = validateSignal(options.signal);
      throwIfAborted(signal, "listUploads");
      return this.#driverMethod("listUploads").call(this.#context.driver, { prefix, ...(signal === undefined ? {} : { signal }) });
    });
  }

  /** Aborts every upload under `prefix` initiated before `olderThan` (abandoned sessions). */
  async abortAll(options: AbortUploadsOptions): Promise<{ aborted: number }> {
    return this.#run("abortUploads", undefined, async () => {
      assertKnownOptions(options, ["olderThan", "prefix", "signal"], "abortUploads options");
      if (!(options.olderThan instanceof Date) || Number.isNaN(options.olderThan.getTime())) {
        throw invalid("olderThan must be a valid Date: uploads initiated before it are aborted");
      }
      const uploads = await this.list({ ...(options.prefix === undefined ? {} : { prefix: options.prefix }), ...(options.signal === undefined ? {} : { signal: options.signal }) });
      let aborted = 0;
      for (const upload of uploads) {
        if (upload.initiated.getTime() >= options.olderThan.getTime()) continue;
        throwIfAborted(options.signal, "abortUploads");
        await this.#driverMethod("abortUpload").call(this.#context.driver, upload.key, upload.uploadId, {});
        aborted++;
      }
      return { aborted };
    });
  }

  async #abortQuietly(session: UploadSession): Promise<void> {
    await this.#driverMethod("abortUpload").call(this.#context.driver, session.key, session.uploadId, {}).catch(() => {});
  }

  #driverMethod<M extends "createUpload" | "signUploadPart" | "listUploadParts" | "completeUpload" | "abortUpload" | "listUploads">(
    method: M,
  ): NonNullable<StorageDriver[M]> {
    const found = this.#context.driver[method];
    if (typeof found !== "function") {
      throw new StorageError("Unsupported", `The ${this.#context.driver.name} driver claims multipart uploads but has no ${method} method`);
    }
    return found as NonNullable<StorageDriver[M]>;
  }

  async #run<T>(operation: string, key: string | undefined, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw this.#context.wrap(error, operation, typeof key === "string" ? key : undefined);
    }
  }
}

function sessionSeconds(value: unknown): number {
  if (value === undefined) return defaultSessionSeconds;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > maxExpiresIn) {
    throw invalid(`expiresIn must be a whole number of seconds from 1 to ${maxExpiresIn} (got ${String(value)})`);
  }
  return value;
}
