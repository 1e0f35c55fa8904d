import { compareUtf8, type DriverCreateUploadOptions, type StorageDriver, type UploadListing, type UrlSigner } from "@stowage/core";
import { throwIfAborted, type DriverContext } from "./driver-context.js";
import { mapFsError } from "./map-fs-error.js";
import { createStagedUpload, discardUpload, isUploadId, openUploadsDirectory, readManifest } from "./upload-staging.js";

/** Starts an upload: its fields are fixed now (in its manifest); nothing is visible until completion. */
export async function createUpload(context: DriverContext, key: string, options: DriverCreateUploadOptions): Promise<{ uploadId: string }> {
  throwIfAborted(options.signal, "createUpload");
  const fields = {
    contentType: options.contentType,
    metadata: { ...options.metadata },
    ...(options.cacheControl === undefined ? {} : { cacheControl: options.cacheControl }),
    ...(options.contentDisposition === undefined ? {} : { contentDisposition: options.contentDisposition }),
    ...(options.contentEncoding === undefined ? {} : { contentEncoding: options.contentEncoding }),
  };
  try {
    return { uploadId: await createStagedUpload(context, key, fields) };
  } catch (error) {
    throw mapFsError(error, `createUpload of ${key}`);
  }
}

/** Discards an upload and its parts (one rename takes it away); succeeds when it is gone already. */
export async function abortUpload(context: DriverContext, key: string, uploadId: string): Promise<void> {
  if (typeof uploadId !== "string" || !isUploadId(uploadId)) return;
  const uploads = await openUploadsDirectory(context);
  if (uploads === null) return;
  try {
    const upload = await context.root.openChild(uploads.last, uploadId, context.meta, "skip");
    if (typeof upload !== "object") return;
    let manifest;
    try {
      manifest = await readManifest(context, upload);
    } finally {
      await context.root.release(upload, context.meta);
    }
    // Another key's upload (or one whose creation never finished) is left alone.
    if (manifest?.key !== key) return;
    await discardUpload(context, uploads.last, uploadId);
  } catch (error) {
    throw mapFsError(error, `abortUpload of ${key}`);
  } finally {
    await uploads.close();
  }
}

/** The uploads in progress whose key starts with `prefix`, in key order, then by initiation. */
export async function listUploads(context: DriverContext, prefix: string): Promise<UploadListing[]> {
  const uploads = await openUploadsDirectory(context);
  if (uploads === null) return [];
  try {
    const listed: UploadListing[] = [];
    for (const entry of await context.io.readdir(uploads.last.path)) {
      if (!isUploadId(entry.name)) continue;
      const upload = await context.root.openChild(uploads.last, entry.name, context.meta, "skip");
      if (typeof upload !== "object") continue;
      try {
        const manifest = await readManifest(context, upload);
        if (manifest !== undefined && manifest.key.startsWith(prefix)) {
          listed.push({ key: manifest.key, uploadId: entry.name, initiated: new Date(manifest.initiated) });
        }
      } finally {
        await context.root.release(upload, context.meta);
      }
    }
    return listed.sort((a, b) => compareUtf8(a.key, b.key) || a.initiated.getTime() - b.initiated.getTime());
  } catch (error) {
    throw mapFsError(error, `listUploads under ${JSON.stringify(prefix)}`);
  } finally {
    await uploads.close();
  }
}

/** A `UrlSigner` that also signs upload-part URLs (the HMAC signer does). */
export type PartSigner = UrlSigner & { signUploadPart: NonNullable<StorageDriver["signUploadPart"]> };

/** `signer`, when it signs upload parts. */
export function partSignerOf(signer: UrlSigner | undefined): PartSigner | undefined {
  return typeof (signer as Partial<PartSigner> | undefined)?.signUploadPart === "function" ? (signer as PartSigner) : undefined;
}
