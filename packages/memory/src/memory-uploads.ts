import {
  compareUtf8,
  StorageError,
  type DriverObjectFields,
  type StorageDriver,
  type UploadedPart,
  type UploadListing,
  type UrlSigner,
} from "@stowage/core";
import { fieldsOf } from "./memory-entry.js";

/** A part as the memory driver stages it: its own copy of the bytes. */
export interface StagedPart {
  readonly bytes: Uint8Array;
  readonly etag: string;
}

/** A multipart upload in progress: its fields (fixed at creation) and its staged parts. */
export interface StagedUpload {
  readonly key: string;
  readonly fields: DriverObjectFields;
  readonly initiated: Date;
  readonly parts: Map<number, StagedPart>;
}

/**
 * The memory driver's uploads in progress, by upload id. Parts live here,
 * outside the object map, so they are never listed or readable; every
 * change is one synchronous step.
 */
export class MemoryUploads {
  readonly staged = new Map<string, StagedUpload>();

  /** Starts an upload with its own copy of `options`' fields; returns its id. */
  create(key: string, options: DriverObjectFields): string {
    const uploadId = crypto.randomUUID();
    this.staged.set(uploadId, { key, fields: fieldsOf(options), initiated: new Date(), parts: new Map() });
    return uploadId;
  }

  /** The upload `uploadId` of `key`; `NotFound` when it is unknown, completed, aborted or of another key. */
  find(key: string, uploadId: string): StagedUpload {
    const upload = this.staged.get(uploadId);
    if (upload === undefined || upload.key !== key) {
      throw new StorageError("NotFound", `No upload ${uploadId} of ${key} is in progress (never created, completed or aborted)`, { key });
    }
    return upload;
  }

  listParts(key: string, uploadId: string): UploadedPart[] {
    return [...this.find(key, uploadId).parts]
      .sort((a, b) => a[0] - b[0])
      .map(([partNumber, part]) => ({ partNumber, size: part.bytes.byteLength, etag: part.etag }));
  }

  /**
   * The object's bytes from `parts`, in the order given, after checking
   * each was uploaded with that etag. Changes nothing.
   */
  assemble(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): { upload: StagedUpload; bytes: Uint8Array } {
    const upload = this.find(key, uploadId);
    const chunks: Uint8Array[] = [];
    let total = 0;
    // Core passes the etags unquoted.
    for (const { partNumber, etag } of parts) {
      const part = upload.parts.get(partNumber);
      if (part === undefined) throw new StorageError("InvalidArgument", `part ${partNumber} of upload ${uploadId} was never uploaded`, { key });
      if (part.etag !== etag) throw new StorageError("InvalidArgument", `part ${partNumber} holds etag ${part.etag}, not ${etag}`, { key });
      chunks.push(part.bytes);
      total += part.bytes.byteLength;
    }
    const bytes = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return { upload, bytes };
  }

  /** Stores a part of a live upload (one synchronous step), replacing an earlier upload of that part. */
  stage(key: string, uploadId: string, partNumber: number, part: StagedPart): void {
    this.find(key, uploadId).parts.set(partNumber, part);
  }

  /** Drops the upload and its parts; nothing happens when it is gone or of another key. */
  abort(key: string, uploadId: string): void {
    if (this.staged.get(uploadId)?.key === key) this.staged.delete(uploadId);
  }

  list(prefix: string): UploadListing[] {
    const listed: UploadListing[] = [];
    for (const [uploadId, upload] of this.staged) {
      if (upload.key.startsWith(prefix)) listed.push({ key: upload.key, uploadId, initiated: new Date(upload.initiated.getTime()) });
    }
    return listed.sort((a, b) => compareUtf8(a.key, b.key) || a.initiated.getTime() - b.initiated.getTime());
  }
}

/** A `UrlSigner` that also signs upload-part URLs (the HMAC signer does). */
export type PartSigner = UrlSigner & { signUploadPart: NonNullable<StorageDriver["signUploadPart"]> };

/** `signer`, when it signs upload parts. */
export function partSignerOf(signer: UrlSigner | undefined): PartSigner | undefined {
  return typeof (signer as Partial<PartSigner> | undefined)?.signUploadPart === "function" ? (signer as PartSigner) : undefined;
}
