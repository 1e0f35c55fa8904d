import { StorageError, type ObjectInfo, type StorageDriver, type UploadedPart } from "@stowage/core";
import { mapDriver } from "./map-driver.ts";

/**
 * `mapDriver` with multipart sessions kept in memory, for core's upload
 * tests: parts are held per upload and joined on completion. Part URLs are
 * fake strings (core's tests check what Storage asks the driver to sign).
 */
export function multipartMapDriver(): StorageDriver & {
  readonly keys: () => string[];
  readonly stagePart: (uploadId: string, partNumber: number, bytes: Uint8Array) => void;
  readonly signed: { partNumber: number; size?: number; expiresIn: number }[];
  readonly aborted: string[];
} {
  const base = mapDriver();
  const uploads = new Map<string, { key: string; fields: { contentType: string; metadata: Record<string, string> }; parts: Map<number, Uint8Array>; initiated: Date }>();
  const signed: { partNumber: number; size?: number; expiresIn: number }[] = [];
  const aborted: string[] = [];
  let next = 0;
  const find = (uploadId: string) => {
    const upload = uploads.get(uploadId);
    if (upload === undefined) throw new StorageError("NotFound", `no upload ${uploadId}`);
    return upload;
  };
  return {
    ...base,
    capabilities: { ...base.capabilities, multipartUpload: true, signUploadPart: true },
    signed,
    aborted,
    stagePart(uploadId, partNumber, bytes) {
      find(uploadId).parts.set(partNumber, bytes);
    },
    async createUpload(key, options) {
      const uploadId = `u${++next}`;
      uploads.set(uploadId, { key, fields: { contentType: options.contentType, metadata: options.metadata }, parts: new Map(), initiated: new Date(next * 1000) });
      return { uploadId };
    },
    async signUploadPart(key, uploadId, partNumber, options) {
      find(uploadId);
      signed.push({ partNumber, expiresIn: options.expiresIn, ...(options.size === undefined ? {} : { size: options.size }) });
      return { url: `https://example.test/${key}?part=${partNumber}`, method: "PUT", headers: {}, expiresAt: options.expiresAt };
    },
    async listUploadParts(_key, uploadId) {
      const parts: UploadedPart[] = [];
      for (const [partNumber, bytes] of [...find(uploadId).parts].sort((a, b) => a[0] - b[0])) {
        parts.push({ partNumber, size: bytes.byteLength, etag: `p${partNumber}-${bytes.byteLength}` });
      }
      return parts;
    },
    async completeUpload(key, uploadId, parts): Promise<ObjectInfo> {
      const upload = find(uploadId);
      const chunks = parts.map((part) => upload.parts.get(part.partNumber)!);
      const joined = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
      let offset = 0;
      for (const chunk of chunks) {
        joined.set(chunk, offset);
        offset += chunk.byteLength;
      }
      uploads.delete(uploadId);
      return base.put(key, joined, { ...upload.fields });
    },
    async abortUpload(_key, uploadId) {
      aborted.push(uploadId);
      uploads.delete(uploadId);
    },
    async listUploads({ prefix }) {
      return [...uploads].filter(([, upload]) => upload.key.startsWith(prefix)).map(([uploadId, upload]) => ({ key: upload.key, uploadId, initiated: upload.initiated }));
    },
  };
}
