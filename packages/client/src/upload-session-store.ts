/** What `uploadFile` keeps to resume an upload after a reload. */
export interface StoredUpload {
  token: string;
  key: string;
  partSize: number;
  partCount: number;
  /** ISO 8601. */
  expiresAt: string;
  /** The file's size when the session was created. */
  size: number;
}

/**
 * Where sessions are kept between page loads, by file fingerprint. Methods
 * may be synchronous or return promises (an IndexedDB store would).
 */
export interface UploadSessionStore {
  get(fingerprint: string): StoredUpload | undefined | Promise<StoredUpload | undefined>;
  set(fingerprint: string, upload: StoredUpload): void | Promise<void>;
  delete(fingerprint: string): void | Promise<void>;
}

const prefix = "stowage-upload:";

/**
 * A store over `localStorage` (JSON under `stowage-upload:` + the
 * fingerprint). Quota and privacy-mode errors are ignored: the upload still
 * works, it just cannot resume after a reload.
 */
export function localStorageSessionStore(storage: Storage): UploadSessionStore {
  return {
    get(fingerprint) {
      try {
        const text = storage.getItem(prefix + fingerprint);
        if (text === null) return undefined;
        const value = JSON.parse(text) as StoredUpload;
        return isStoredUpload(value) ? value : undefined;
      } catch {
        return undefined;
      }
    },
    set(fingerprint, upload) {
      try {
        storage.setItem(prefix + fingerprint, JSON.stringify(upload));
      } catch {
        // quota, or storage disabled
      }
    },
    delete(fingerprint) {
      try {
        storage.removeItem(prefix + fingerprint);
      } catch {
        // storage disabled
      }
    },
  };
}

/** A store in memory (tests, or resuming within one page without a reload). */
export function memorySessionStore(): UploadSessionStore & { entries: Map<string, StoredUpload> } {
  const entries = new Map<string, StoredUpload>();
  return {
    entries,
    get: (fingerprint) => entries.get(fingerprint),
    set: (fingerprint, upload) => void entries.set(fingerprint, { ...upload }),
    delete: (fingerprint) => void entries.delete(fingerprint),
  };
}

/** `localStorage` when the platform has a usable one, else no store (no resume). */
export function defaultSessionStore(): UploadSessionStore | undefined {
  try {
    const storage = (globalThis as { localStorage?: Storage }).localStorage;
    if (storage && typeof storage.getItem === "function") return localStorageSessionStore(storage);
  } catch {
    // a SecurityError on reading localStorage (sandboxed frames)
  }
  return undefined;
}

/**
 * The key an upload is stored under: the caller's `resumeKey` (say, the
 * user and the destination), then the file's size, lastModified, type and
 * name. Two different files with all of these equal would share a session;
 * the server's size check still refuses a part of the wrong length.
 */
export function fileFingerprint(file: Blob, resumeKey = ""): string {
  const named = file as Partial<File>;
  return JSON.stringify([resumeKey, file.size, named.lastModified ?? 0, file.type, named.name ?? ""]);
}

function isStoredUpload(value: unknown): value is StoredUpload {
  if (value === null || typeof value !== "object") return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.token === "string" &&
    typeof record.key === "string" &&
    typeof record.partSize === "number" &&
    typeof record.partCount === "number" &&
    typeof record.expiresAt === "string" &&
    typeof record.size === "number"
  );
}
