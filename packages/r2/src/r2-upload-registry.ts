import { StorageError, compareUtf8, type UploadedPart, type UploadListing } from "@stowage/core";
import type { R2Bucket } from "@cloudflare/workers-types/2023-07-01";
import { toStorageError } from "./r2-errors.js";
import { reservedPrefix } from "./r2-reserved.js";

/**
 * Where the r2 driver records its uploads in progress, inside the bucket,
 * under its reserved prefix (see r2-reserved.ts), which the driver hides.
 */
export const uploadRegistryPrefix = `${reservedPrefix}uploads/`;

const uploadsPrefix = `${uploadRegistryPrefix}u/`;
const partsPrefix = `${uploadRegistryPrefix}p/`;

/**
 * The r2 driver's record of its multipart uploads, kept as empty objects
 * under `__stowage/uploads/` in the bucket itself, because the binding can
 * neither list uploads in progress nor list an upload's parts:
 *
 * - `u/<uploadId>`: one per upload, its key and creation time in
 *   `customMetadata`; written by `createUpload`, removed by complete and
 *   abort. `listUploads` lists these.
 * - `p/<uploadId>/<partNumber>`: one per stored part, its etag and size in
 *   `customMetadata`, written after the binding accepted the part (a part
 *   whose upload failed is never recorded). One object per part, so
 *   parallel part uploads never contend for a record.
 *
 * Records hold no object data, so a stale one (a Worker that died between
 * the binding's abort and the record's removal) can only list an upload
 * that the binding no longer knows; aborting it again removes it.
 */
export class R2UploadRegistry {
  constructor(private readonly bucket: R2Bucket) {}

  /** Records a new upload of `key`. */
  async register(key: string, uploadId: string, initiated: Date): Promise<void> {
    await this.call("createUpload", () =>
      this.bucket.put(uploadRecord(uploadId), new Uint8Array(0), { customMetadata: { key, initiated: initiated.toISOString() } }),
    );
  }

  /** Rejects with `NotFound` unless `uploadId` is an upload of `key` in progress. */
  async find(key: string, uploadId: string): Promise<void> {
    const record = await this.call("upload lookup", () => this.bucket.head(uploadRecord(uploadId)));
    if (record === null || record.customMetadata?.key !== key) {
      throw new StorageError("NotFound", `No upload ${uploadId} of ${key} is in progress (never created, completed or aborted)`, { key });
    }
  }

  /** Records part `partNumber` as stored with `etag` and `size` (replacing an earlier record of it). */
  async recordPart(uploadId: string, partNumber: number, part: { etag: string; size: number }): Promise<void> {
    await this.call("uploadPart", () =>
      this.bucket.put(partRecord(uploadId, partNumber), new Uint8Array(0), { customMetadata: { etag: part.etag, size: String(part.size) } }),
    );
  }

  /** Removes the record of one part. */
  async forgetPart(uploadId: string, partNumber: number): Promise<void> {
    await this.call("uploadPart", () => this.bucket.delete(partRecord(uploadId, partNumber)));
  }

  /** The recorded parts of `uploadId`, ascending. */
  async parts(uploadId: string): Promise<UploadedPart[]> {
    const parts: UploadedPart[] = [];
    for await (const object of this.objects(partsOf(uploadId))) {
      const partNumber = Number(object.key.slice(partsOf(uploadId).length));
      const etag = object.customMetadata?.etag;
      const size = Number(object.customMetadata?.size);
      if (!Number.isSafeInteger(partNumber) || etag === undefined || !Number.isSafeInteger(size)) continue;
      parts.push({ partNumber, etag, size });
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  /** Removes the upload's record and its parts' records. */
  async forget(uploadId: string): Promise<void> {
    const keys: string[] = [];
    for await (const object of this.objects(partsOf(uploadId))) keys.push(object.key);
    keys.push(uploadRecord(uploadId));
    for (let start = 0; start < keys.length; start += 1000) {
      const batch = keys.slice(start, start + 1000);
      await this.call("abortUpload", () => this.bucket.delete(batch));
    }
  }

  /** Uploads in progress whose key starts with `prefix`, by key, then by creation. */
  async list(prefix: string): Promise<UploadListing[]> {
    const listed: UploadListing[] = [];
    for await (const object of this.objects(uploadsPrefix)) {
      const key = object.customMetadata?.key;
      const initiated = new Date(object.customMetadata?.initiated ?? Number.NaN);
      if (key === undefined || !key.startsWith(prefix) || Number.isNaN(initiated.getTime())) continue;
      listed.push({ key, uploadId: decodeURIComponent(object.key.slice(uploadsPrefix.length)), initiated });
    }
    return listed.sort((a, b) => compareUtf8(a.key, b.key) || a.initiated.getTime() - b.initiated.getTime());
  }

  private async *objects(prefix: string) {
    let cursor: string | undefined;
    do {
      const page = await this.call("upload registry list", () =>
        this.bucket.list({ prefix, limit: 1000, include: ["customMetadata"], ...(cursor === undefined ? {} : { cursor }) }),
      );
      yield* page.objects;
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor !== undefined);
  }

  private async call<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toStorageError(error, action);
    }
  }
}

function uploadRecord(uploadId: string): string {
  return uploadsPrefix + encodeURIComponent(uploadId);
}

function partsOf(uploadId: string): string {
  return `${partsPrefix}${encodeURIComponent(uploadId)}/`;
}

function partRecord(uploadId: string, partNumber: number): string {
  return partsOf(uploadId) + String(partNumber).padStart(5, "0");
}
