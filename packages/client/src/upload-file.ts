import { defaultTransport, type PartTransport } from "./part-transport.js";
import { PartUrlSigner } from "./part-url-signer.js";
import { abortableSleep, isRetryableStatus, backoffDelay, retryPolicy, type RetryOptions, type RetryPolicy } from "./retry-policy.js";
import { UploadControl } from "./upload-control.js";
import { UploadError } from "./upload-error.js";
import { ProgressTracker, type UploadFileProgress } from "./upload-file-progress.js";
import { healable, partBytes, uploadParts } from "./upload-parts.js";
import { fileName, httpUploadRoutes, type CompletedObject, type HttpRoutesOptions, type UploadRouteFunctions } from "./upload-routes.js";
import { defaultSessionStore, fileFingerprint, type StoredUpload, type UploadSessionStore } from "./upload-session-store.js";
import { uploadSmallFile } from "./upload-small-file.js";

export interface UploadFileOptions {
  /**
   * The app's upload routes: the base URL of the wire protocol (`POST
   * {base}/create`, `/sign`, `/list`, `/complete`, `/abort`, as
   * `createUploadRoutes` of `@stowage/http` serves them), or the same routes
   * as functions.
   */
  routes: string | UploadRouteFunctions;
  /** With a base URL: the `fetch` for the route calls (default: the global one). */
  fetch?: typeof fetch;
  /** With a base URL: extra headers on every route call. */
  headers?: Record<string, string>;
  /** With a base URL: `fetch`'s `credentials`, default `"same-origin"` (the app's cookies). */
  credentials?: RequestCredentials;
  /** With a base URL: a URL answering `storage.signPut()` JSON for `{ filename, contentType, size }`; enables the small-file path. */
  singleUrl?: string;
  /** Files smaller than this go through `routes.single` (one signed PUT) when there is one. Default 8 MiB. */
  smallFileThreshold?: number;
  /** Parts in flight at once. Default 4. */
  concurrency?: number;
  /** Part URLs per sign call, default `2 × concurrency` (at most 100). */
  signBatchSize?: number;
  /** A part URL expiring within this many milliseconds is signed again before use. Default 60,000. */
  expiryMarginMs?: number;
  /** Retries of each part and route call. Default `{ attempts: 5, baseDelayMs: 500, maxDelayMs: 15000 }`. */
  retry?: RetryOptions;
  /** Sends one part. Default: XMLHttpRequest when present (upload progress), else `fetch`. */
  transport?: PartTransport;
  /** The XMLHttpRequest constructor for the default transport and the small-file path. */
  XMLHttpRequest?: typeof XMLHttpRequest;
  /** Where sessions are kept for a resume after a reload. Default `localStorage` when present; `null` keeps nothing. */
  store?: UploadSessionStore | null;
  /** Added to the file's fingerprint (say, the user and the destination), so one file bound for two places gets two sessions. */
  resumeKey?: string;
  /** The type sent to `create`; default the file's type, else `application/octet-stream`. */
  contentType?: string;
  onProgress?: (progress: UploadFileProgress) => void;
  /** Cancels: aborts the parts in flight, calls the abort route, forgets the stored session; rejects with `Aborted`. */
  signal?: AbortSignal;
  /** For tests: waits between retries. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** For tests: the jitter's randomness, in [0, 1). */
  random?: () => number;
  /** For tests: milliseconds since the epoch. */
  now?: () => number;
}

/** The stored object. `parts` is 0 when the file went through the single PUT. */
export interface UploadedFile {
  key: string;
  size: number;
  etag: string;
  contentType: string;
  /** ISO 8601, from the complete route (absent after a single PUT). */
  lastModified?: string;
  parts: number;
}

/** A running upload. */
export interface UploadFileHandle {
  /** Resolves with the stored object; rejects with an `UploadError`. */
  readonly promise: Promise<UploadedFile>;
  /** Aborts the parts in flight (their bytes are sent again on resume) and starts no more. */
  pause(): void;
  resume(): void;
  readonly paused: boolean;
}

const MiB = 1024 * 1024;

/**
 * Uploads a file of any size through the app's upload routes: a multipart
 * session, parts in parallel to signed URLs signed just in time, each part
 * retried with backoff, resumable after a reload, with pause, resume and
 * cancel. Small files take one signed PUT when `routes.single` exists.
 */
export function uploadFile(file: Blob, options: UploadFileOptions): UploadFileHandle {
  if (file === null || typeof file !== "object" || typeof file.slice !== "function") throw new TypeError("uploadFile needs a File or Blob");
  if (options === undefined || options.routes === undefined) throw new TypeError("uploadFile needs options.routes (a base URL or { create, sign, list, complete, abort })");
  const routes: UploadRouteFunctions = typeof options.routes === "string" ? httpUploadRoutes(options.routes, httpOptions(options)) : options.routes;
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError("concurrency must be an integer of at least 1");
  const control = new UploadControl();
  const onAbort = (): void => control.halt(new UploadError("Aborted", "The upload was aborted", { status: 0, cause: options.signal?.reason }));
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  const promise = run(file, options, routes, concurrency, control).finally(() => options.signal?.removeEventListener("abort", onAbort));
  return {
    promise,
    pause: () => control.pause(),
    resume: () => control.resume(),
    get paused() {
      return control.paused;
    },
  };
}

async function run(file: Blob, options: UploadFileOptions, routes: UploadRouteFunctions, concurrency: number, control: UploadControl): Promise<UploadedFile> {
  const retry = retryPolicy(options.retry);
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const context = { signal: control.haltSignal };
  const call = <T>(body: () => Promise<T>): Promise<T> => withRetries(body, retry, sleep, random, control);
  const threshold = options.smallFileThreshold ?? 8 * MiB;
  if (routes.single !== undefined && file.size < threshold) {
    return uploadSmallFile(file, routes.single, { ...options, control, call });
  }
  const transport = options.transport ?? defaultTransport(options);
  const store = options.store === null ? undefined : (options.store ?? defaultSessionStore());
  const fingerprint = fileFingerprint(file, options.resumeKey);
  const done = new Map<number, string>();
  let doneBytes = 0;

  let session = store === undefined ? undefined : await store.get(fingerprint);
  if (session !== undefined && (session.size !== file.size || !(Date.parse(session.expiresAt) - (options.expiryMarginMs ?? 60_000) > now()))) {
    await store!.delete(fingerprint);
    session = undefined;
  }
  if (session !== undefined) {
    const resumed = session;
    try {
      const { parts } = await call(() => routes.list({ token: resumed.token }, context));
      for (const part of parts) {
        if (part.partNumber >= 1 && part.partNumber <= resumed.partCount && part.size === partBytes(file.size, resumed.partSize, part.partNumber)) {
          done.set(part.partNumber, part.etag);
          doneBytes += part.size;
        }
      }
    } catch (error) {
      if (control.halted) {
        await abortQuietly(routes, resumed.token);
        await store!.delete(fingerprint);
        throw control.reason;
      }
      if (healable.has(error as object)) throw error;
      // The server no longer knows this session (completed, aborted, expired): start over.
      await store!.delete(fingerprint);
      session = undefined;
    }
  }
  if (session === undefined) {
    const created = await call(() =>
      routes.create(
        { filename: fileName(file), contentType: options.contentType || file.type || "application/octet-stream", size: file.size, ...lastModified(file) },
        context,
      ),
    );
    checkCreated(created, file.size);
    session = { token: created.token, key: created.key, partSize: created.partSize, partCount: created.partCount, expiresAt: created.expiresAt, size: file.size };
    if (control.halted) {
      await abortQuietly(routes, session.token);
      throw control.reason;
    }
    await store?.set(fingerprint, session);
  }
  const active: StoredUpload = session;

  const queue: number[] = [];
  for (let partNumber = 1; partNumber <= active.partCount; partNumber++) if (!done.has(partNumber)) queue.push(partNumber);
  const tracker = new ProgressTracker(file.size, active.partCount, now, options.onProgress);
  tracker.alreadyDone(doneBytes, done.size);
  tracker.report();
  const batchSize = Math.min(100, Math.max(1, options.signBatchSize ?? concurrency * 2));
  const signer = new PartUrlSigner({
    sign: async (partNumbers) => (await call(() => routes.sign({ token: active.token, partNumbers }, context))).parts,
    upcoming: () => queue,
    batchSize,
    marginMs: options.expiryMarginMs ?? 60_000,
    now,
  });
  try {
    await uploadParts({ file, partSize: active.partSize, queue, done, concurrency, signer, transport, control, tracker, retry, sleep, random, now });
    const parts = [...done].sort(([a], [b]) => a - b).map(([partNumber, etag]) => ({ partNumber, etag }));
    const { object } = await call(() => routes.complete({ token: active.token, parts }, context));
    await store?.delete(fingerprint);
    return uploadedFile(object, active.partCount);
  } catch (error) {
    // Keep the session when a later try may heal it (resume); else leave nothing behind.
    if (!healable.has(error as object)) {
      await abortQuietly(routes, active.token);
      await store?.delete(fingerprint);
    }
    throw error;
  }
}

/** Calls a route, retrying no answer, 408, 429 and 5xx with backoff. */
async function withRetries<T>(body: () => Promise<T>, retry: RetryPolicy, sleep: (ms: number, signal?: AbortSignal) => Promise<void>, random: () => number, control: UploadControl): Promise<T> {
  for (let failures = 0; ; ) {
    if (control.halted) throw control.reason;
    try {
      return await body();
    } catch (error) {
      if (control.halted) throw control.reason;
      const retryable = error instanceof UploadError && (error.code === "Network" || isRetryableStatus(error.status));
      if (!retryable) throw error;
      failures++;
      if (failures >= retry.attempts) {
        healable.add(error);
        throw error;
      }
      try {
        await sleep(backoffDelay(retry, failures, random), control.haltSignal);
      } catch {
        throw control.reason;
      }
    }
  }
}

async function abortQuietly(routes: UploadRouteFunctions, token: string): Promise<void> {
  try {
    await routes.abort({ token }, {});
  } catch {
    // The server's cleanup (storage.uploads.abortAll) removes what is left.
  }
}

function checkCreated(created: unknown, size: number): void {
  const value = created as Partial<Record<string, unknown>>;
  const ok =
    value !== null &&
    typeof value === "object" &&
    typeof value.token === "string" &&
    typeof value.key === "string" &&
    typeof value.expiresAt === "string" &&
    Number.isInteger(value.partSize) &&
    Number.isInteger(value.partCount) &&
    (value.partCount as number) >= 1 &&
    (value.partSize as number) * (value.partCount as number) >= size &&
    (value.partSize as number) * ((value.partCount as number) - 1) < Math.max(1, size);
  if (!ok) throw new UploadError("Unknown", "The create route's answer is not { token, key, partSize, partCount, expiresAt } for this file's size", { status: 0 });
}

function uploadedFile(object: CompletedObject, parts: number): UploadedFile {
  return { key: object.key, size: object.size, etag: object.etag, contentType: object.contentType, lastModified: object.lastModified, parts };
}

function lastModified(file: Blob): { lastModified?: number } {
  const value = (file as Partial<File>).lastModified;
  return typeof value === "number" ? { lastModified: value } : {};
}

function httpOptions(options: UploadFileOptions): HttpRoutesOptions {
  const result: HttpRoutesOptions = {};
  if (options.fetch !== undefined) result.fetch = options.fetch;
  if (options.headers !== undefined) result.headers = options.headers;
  if (options.credentials !== undefined) result.credentials = options.credentials;
  if (options.singleUrl !== undefined) result.singleUrl = options.singleUrl;
  return result;
}
