import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type ListMultipartUploadsCommandOutput } from "@aws-sdk/client-s3";
import { StorageError, assertKnownOptions, isStorageError } from "@stowage/core";
import { AbortScope } from "./abort-scope.js";
import { mapS3Error, s3CodeOf, statusOf } from "./map-s3-error.js";
import type { S3Context } from "./s3-context.js";

/** An open multipart upload. */
export interface S3Upload {
  key: string;
  uploadId: string;
  /** When the server says it was created (listed uploads only). */
  initiated?: Date;
}

/** An upload whose AbortMultipartUpload failed, with the reason. */
export interface S3FailedAbort extends S3Upload {
  error: StorageError;
}

export interface S3CleanupOptions {
  signal?: AbortSignal;
}

export interface S3AbortUploadsOptions {
  /** Only uploads whose key starts with this. Default: the whole bucket. */
  prefix?: string;
  /**
   * Only uploads created at least this many milliseconds ago, by the server's
   * clock against this machine's (default 0: all of them). Other processes'
   * uploads in flight are unknown to this driver: in a deployment with several
   * writers, pass more than your longest upload takes.
   */
  olderThan?: number;
  signal?: AbortSignal;
}

export interface S3AbortUploadsResult {
  /** Uploads aborted now (or found already gone). */
  aborted: S3Upload[];
  /** Uploads whose abort failed again; they stay in `failedAborts`. */
  failed: S3FailedAbort[];
}

/** An upload of this driver that is still in flight; `uploadId` is unset until CreateMultipartUpload answers. */
export interface InFlightUpload {
  readonly key: string;
  uploadId?: string;
}

/**
 * Keeps track of this driver's multipart uploads: those in flight (never
 * aborted by a sweep) and those whose AbortMultipartUpload failed (kept for
 * `cleanup`). Sends every AbortMultipartUpload, each bounded by the cleanup
 * timeout.
 */
export class UploadRegistry {
  private readonly inFlight = new Set<InFlightUpload>();
  private readonly failed = new Map<string, S3FailedAbort>();

  constructor(
    private readonly context: S3Context,
    readonly cleanupMs: number,
  ) {}

  /** Marks an upload of `key` as in flight, from before its CreateMultipartUpload is sent. */
  begin(key: string): InFlightUpload {
    const upload: InFlightUpload = { key };
    this.inFlight.add(upload);
    return upload;
  }

  end(upload: InFlightUpload): void {
    this.inFlight.delete(upload);
  }

  /** Uploads whose AbortMultipartUpload failed and that no cleanup has aborted yet. */
  get failedAborts(): S3FailedAbort[] {
    return [...this.failed.values()].map((entry) => ({ ...entry }));
  }

  /**
   * Sends AbortMultipartUpload, bounded by the cleanup timeout (and `signal`).
   * Never rejects: a failure is recorded and returned, a success (or an
   * upload already gone) forgets any earlier failure.
   */
  async abort(upload: S3Upload, signal?: AbortSignal): Promise<S3FailedAbort | undefined> {
    const scope = new AbortScope(signal);
    const timer = setTimeout(
      () => scope.abort(new StorageError("Unavailable", `AbortMultipartUpload took longer than ${this.cleanupMs} ms`, { retryable: true })),
      this.cleanupMs,
    );
    try {
      await this.context.client.send(
        new AbortMultipartUploadCommand({ Bucket: this.context.bucket, Key: upload.key, UploadId: upload.uploadId }),
        { abortSignal: scope.signal },
      );
    } catch (error) {
      if (!isGone(error)) {
        const reason = scope.signal.reason;
        const mapped = isStorageError(reason) && !signal?.aborted ? reason : mapS3Error(error);
        const failure: S3FailedAbort = { key: upload.key, uploadId: upload.uploadId, error: mapped };
        this.failed.set(upload.uploadId, failure);
        return failure;
      }
    } finally {
      clearTimeout(timer);
      scope.dispose();
    }
    this.failed.delete(upload.uploadId);
    return undefined;
  }

  /** Retries the abort of every recorded upload (no listing: safe beside other writers). */
  async cleanup(options: S3CleanupOptions = {}): Promise<S3AbortUploadsResult> {
    assertKnownOptions(options, ["signal"], "cleanup options");
    checkSignal(options.signal, "cleanup");
    return this.abortAll([...this.failed.values()], options.signal, "cleanup");
  }

  /**
   * Lists the open multipart uploads (ListMultipartUploads) under `prefix`
   * and aborts each one older than `olderThan`, except this driver's uploads
   * in flight.
   */
  async abortUploads(options: S3AbortUploadsOptions = {}): Promise<S3AbortUploadsResult> {
    assertKnownOptions(options, ["prefix", "olderThan", "signal"], "abortUploads options");
    const { prefix = "", olderThan = 0, signal } = options;
    if (typeof prefix !== "string") throw new StorageError("InvalidArgument", "abortUploads: prefix must be a string");
    if (typeof olderThan !== "number" || !Number.isFinite(olderThan) || olderThan < 0) {
      throw new StorageError("InvalidArgument", "abortUploads: olderThan must be a number of milliseconds (0 or more)");
    }
    checkSignal(signal, "abortUploads");
    const result: S3AbortUploadsResult = { aborted: [], failed: [] };
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      throwIfAborted(signal, "abortUploads");
      let page: ListMultipartUploadsCommandOutput;
      try {
        page = await this.context.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.context.bucket,
            ...(prefix === "" ? {} : { Prefix: prefix }),
            ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker }),
            ...(uploadIdMarker === undefined ? {} : { UploadIdMarker: uploadIdMarker }),
          }),
          { abortSignal: signal },
        );
      } catch (error) {
        throw mapS3Error(error);
      }
      const cutoff = Date.now() - olderThan;
      const candidates: S3Upload[] = [];
      for (const entry of page.Uploads ?? []) {
        if (entry.Key === undefined || entry.UploadId === undefined) continue;
        const upload: S3Upload = { key: entry.Key, uploadId: entry.UploadId };
        if (entry.Initiated !== undefined) upload.initiated = entry.Initiated;
        if (this.isInFlight(upload)) continue;
        if (olderThan > 0 && (upload.initiated === undefined || upload.initiated.getTime() > cutoff)) continue;
        candidates.push(upload);
      }
      const pageResult = await this.abortAll(candidates, signal, "abortUploads");
      result.aborted.push(...pageResult.aborted);
      result.failed.push(...pageResult.failed);
      if (!page.IsTruncated || (page.NextKeyMarker === undefined && page.NextUploadIdMarker === undefined)) break;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
    return result;
  }

  private isInFlight(upload: S3Upload): boolean {
    for (const entry of this.inFlight) {
      if (entry.uploadId === upload.uploadId) return true;
      // CreateMultipartUpload has not answered yet: this may be its upload.
      if (entry.uploadId === undefined && entry.key === upload.key) return true;
    }
    return false;
  }

  private async abortAll(uploads: S3Upload[], signal: AbortSignal | undefined, operation: string): Promise<S3AbortUploadsResult> {
    const result: S3AbortUploadsResult = { aborted: [], failed: [] };
    for (const upload of uploads) {
      throwIfAborted(signal, operation);
      const failure = await this.abort(upload, signal);
      throwIfAborted(signal, operation);
      if (failure === undefined) result.aborted.push({ key: upload.key, uploadId: upload.uploadId, ...(upload.initiated ? { initiated: upload.initiated } : {}) });
      else result.failed.push({ ...failure });
    }
    return result;
  }
}

function isGone(error: unknown): boolean {
  return s3CodeOf(error) === "NoSuchUpload" || statusOf(error) === 404;
}

function checkSignal(signal: unknown, operation: string): void {
  if (signal === undefined) return;
  const candidate = signal as Partial<AbortSignal> | null;
  if (typeof candidate !== "object" || candidate === null || typeof candidate.aborted !== "boolean" || typeof candidate.addEventListener !== "function") {
    throw new StorageError("InvalidArgument", `${operation}: signal must be an AbortSignal`);
  }
}

function throwIfAborted(signal: AbortSignal | undefined, operation: string): void {
  if (signal?.aborted) throw new StorageError("Aborted", `The ${operation} was aborted`, { cause: signal.reason });
}
