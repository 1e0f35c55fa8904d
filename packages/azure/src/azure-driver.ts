import {
  assertKnownOptions,
  StorageError,
  throwIfAborted,
  type Capabilities,
  type CapabilityHints,
  type DriverCopyOptions,
  type DriverDeleteOptions,
  type DriverGetOptions,
  type DriverGetResult,
  type DriverListOptions,
  type DriverOperationOptions,
  type DriverPutBody,
  type DriverPutOptions,
  type ListPage,
  type ObjectInfo,
  type StorageDriver,
  type DriverSignGetOptions,
  type DriverSignPutOptions,
  type SignedRequest,
  type SignPutConflict,
  type UrlSigner,
  type UploadLimits,
  type DriverCreateUploadOptions,
  type DriverCompleteUploadOptions,
  type DriverListUploadsOptions,
  type DriverSignUploadPartOptions,
  type DriverUploadPartOptions,
  type UploadedPart,
  type UploadListing,
} from "@stowage/core";
import { azureGatewayCapabilities, azureGatewayHints, azureSigningCapabilities, azureSigningHints } from "./azure-capabilities.js";
import { azureUploadHints, azureUploadLimits, partSignerOf, type PartSigner } from "./azure-upload-capabilities.js";
import { AzureUploads } from "./azure-uploads.js";
import { sasDriverSigning, type SasDriverSigning } from "./sas-driver-signing.js";
import { AzureRestClient } from "./azure-rest-client.js";
import { copyBlob, copySourceUrls } from "./copy-blob.js";
import { deleteBlobs } from "./delete-blobs.js";
import { getBlob, headBlob } from "./get-blob.js";
import { listBlobs } from "./list-blobs.js";
import { putBlob, type PutContext } from "./put-blob.js";
import { refuseAzureKey } from "./azure-keys.js";

/** Options of {@link azureDriver}: an account key, or a ready {@link AzureRestClient}. */
export type AzureDriverOptions = AzureDriverCommonOptions &
  ({ endpoint: string; accountName: string; accountKey: string; client?: never } | { client: AzureRestClient });

interface AzureDriverCommonOptions {
  /** The container every key lives in; it must exist. */
  container: string;
  /** Block size for staged uploads of large or unknown-length bodies; 1-4000 MiB, default 4 MiB. */
  blockSize?: number;
  /** Blocks (or deletes) in flight at once; default 4. */
  concurrency?: number;
  /**
   * Gateway mode: `createHmacSigner({ secrets, baseUrl })` from `@stowage/core`,
   * with `@stowage/http`'s `createSignedUrlHandler` serving `baseUrl` over this
   * driver. Every signed URL (get, put, upload part) goes through it, which adds
   * every signPut constraint and upload sessions (multipartUpload,
   * signUploadPart). Without it, an account-key driver signs service SAS URLs.
   */
  signing?: UrlSigner;
}

const mib = 1024 * 1024;

/** A Stowage driver over one Azure Blob Storage container (block blobs), through the REST API. */
export class AzureDriver implements StorageDriver {
  readonly name = "azure";
  readonly capabilities: Capabilities;
  readonly capabilityHints: CapabilityHints;
  /** The REST client. */
  readonly raw: AzureRestClient;
  /** The container. */
  readonly container: string;
  private readonly context: PutContext;
  /** Azure's block rules (parts of 1 MiB to 4000 MiB, at most 50,000, unequal sizes allowed). */
  readonly uploadLimits: UploadLimits = azureUploadLimits;
  /** The gateway signer's refused combinations (none for createHmacSigner). */
  readonly signPutConflicts: readonly SignPutConflict[];
  private readonly signing: SasDriverSigning | UrlSigner | undefined;
  private readonly partSigner: PartSigner | undefined;
  private readonly uploads: AzureUploads;

  constructor(options: AzureDriverOptions) {
    if (options === null || typeof options !== "object") {
      throw new StorageError("InvalidArgument", "azureDriver needs { container, endpoint, accountName, accountKey } or { container, client }");
    }
    assertKnownOptions(options, ["container", "endpoint", "accountName", "accountKey", "client", "blockSize", "concurrency", "signing"], "azureDriver options");
    if (typeof options.container !== "string" || !/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(options.container)) {
      throw new StorageError("InvalidArgument", "azureDriver options.container must be a container name: 3-63 lowercase letters, digits and single hyphens");
    }
    let client: AzureRestClient;
    let signing: SasDriverSigning | UrlSigner | undefined;
    let sourceUrl: ((key: string) => Promise<string>) | undefined;
    const gateway: unknown = options.signing;
    if (gateway !== undefined && !isUrlSigner(gateway)) {
      throw new StorageError("InvalidArgument", "azureDriver options.signing must be a UrlSigner: createHmacSigner({ secrets, baseUrl }) from @stowage/core");
    }
    if (options.client !== undefined) {
      if (!(options.client instanceof AzureRestClient)) throw new StorageError("InvalidArgument", "azureDriver options.client must be an AzureRestClient");
      client = options.client;
    } else {
      for (const name of ["endpoint", "accountName", "accountKey"] as const) {
        if (typeof options[name] !== "string" || options[name] === "") {
          throw new StorageError("InvalidArgument", `azureDriver needs options.${name} (or options.client)`);
        }
      }
      client = new AzureRestClient({ endpoint: options.endpoint, accountName: options.accountName, accountKey: options.accountKey });
      sourceUrl = copySourceUrls({ endpoint: options.endpoint, accountName: options.accountName, accountKey: options.accountKey }, options.container);
      if (gateway === undefined) signing = sasDriverSigning({
        endpoint: options.endpoint,
        accountName: options.accountName,
        accountKey: options.accountKey,
        container: options.container,
      });
    }
    const blockSize = options.blockSize ?? 4 * mib;
    if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > 4000 * mib) {
      throw new StorageError("InvalidArgument", "azureDriver options.blockSize must be an integer from 1 byte to 4000 MiB");
    }
    const concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new StorageError("InvalidArgument", "azureDriver options.concurrency must be a positive integer");
    }
    this.raw = client;
    this.container = options.container;
    this.context = { client, container: options.container, blockSize, concurrency, ...(sourceUrl ? { sourceUrl } : {}) };
    this.uploads = new AzureUploads(this.context);
    this.signing = gateway ?? signing;
    this.partSigner = partSignerOf(gateway);
    this.capabilities = gateway !== undefined ? azureGatewayCapabilities(gateway) : azureSigningCapabilities(signing !== undefined);
    this.capabilityHints = gateway !== undefined ? azureGatewayHints(this.capabilities) : azureSigningHints(signing !== undefined);
    this.signPutConflicts = Object.freeze([...(gateway?.signPutConflicts ?? [])]);
  }

  put(key: string, body: DriverPutBody, options: DriverPutOptions): Promise<ObjectInfo> {
    refuseAzureKey(key, "put");
    return putBlob(this.context, key, body, options);
  }

  async get(key: string, options: DriverGetOptions): Promise<DriverGetResult | null> {
    throwIfAborted(options.signal, "get");
    refuseAzureKey(key, "get");
    return getBlob(this.context, key, options);
  }

  async head(key: string, options: DriverOperationOptions = {}): Promise<ObjectInfo | null> {
    throwIfAborted(options.signal, "head");
    refuseAzureKey(key, "head");
    return headBlob(this.context, key, options.signal);
  }

  async list(options: DriverListOptions): Promise<ListPage> {
    throwIfAborted(options.signal, "list");
    return listBlobs(this.context, options);
  }

  async delete(keys: string[], options: DriverDeleteOptions = {}): Promise<void> {
    throwIfAborted(options.signal, "delete");
    for (const key of keys) refuseAzureKey(key, "delete");
    return deleteBlobs(this.context, keys, options, this.context.concurrency);
  }

  async copy(from: string, to: string, options: DriverCopyOptions = {}): Promise<ObjectInfo> {
    throwIfAborted(options.signal, "copy");
    refuseAzureKey(from, "copy");
    refuseAzureKey(to, "copy");
    return copyBlob(this.context, from, to, options);
  }

  /** A service SAS URL (`sp=r`) for the blob (needs the account key), or the gateway signer's URL. */
  async signGet(key: string, options: DriverSignGetOptions): Promise<SignedRequest> {
    refuseAzureKey(key, "signGet");
    if (this.signing === undefined) throw new StorageError("Unsupported", `signGet: ${this.capabilityHints.signGet}`);
    return this.signing.signGet(key, options);
  }

  /** A service SAS URL (`sp=cw`) to PUT the blob with `x-ms-blob-type: BlockBlob` (needs the account key), or the gateway signer's URL. */
  async signPut(key: string, options: DriverSignPutOptions): Promise<SignedRequest> {
    refuseAzureKey(key, "signPut");
    if (this.signing === undefined) throw new StorageError("Unsupported", `signPut: ${this.capabilityHints.signPut}`);
    return this.signing.signPut(key, options);
  }

  /** Stages the session's record in block ids (gateway mode); nothing is visible until completeUpload. */
  async createUpload(key: string, options: DriverCreateUploadOptions): Promise<{ uploadId: string }> {
    refuseAzureKey(key, "createUpload");
    this.requireSessions("createUpload");
    return this.uploads.create(key, options);
  }

  /** The gateway signer's part URL; `@stowage/http` serves it into uploadPart. */
  async signUploadPart(key: string, uploadId: string, partNumber: number, options: DriverSignUploadPartOptions): Promise<SignedRequest> {
    refuseAzureKey(key, "signUploadPart");
    if (this.partSigner === undefined) throw new StorageError("Unsupported", `signUploadPart: ${azureUploadHints(false).signUploadPart}`);
    return this.partSigner.signUploadPart(key, uploadId, partNumber, options);
  }

  /** Put Block of one part (the part URL's PUT, served by `@stowage/http`). */
  async uploadPart(key: string, uploadId: string, partNumber: number, body: DriverPutBody, options: DriverUploadPartOptions = {}): Promise<{ etag: string; size: number }> {
    refuseAzureKey(key, "uploadPart");
    this.requireSessions("uploadPart");
    return this.uploads.uploadPart(key, uploadId, partNumber, body, options);
  }

  async listUploadParts(key: string, uploadId: string, options: DriverOperationOptions = {}): Promise<UploadedPart[]> {
    refuseAzureKey(key, "listUploadParts");
    this.requireSessions("listUploadParts");
    return this.uploads.listParts(key, uploadId, options);
  }

  /** Put Block List of the parts' latest blocks; `ifNotExists` is `If-None-Match: *`. */
  async completeUpload(key: string, uploadId: string, parts: { partNumber: number; etag: string }[], options: DriverCompleteUploadOptions = {}): Promise<ObjectInfo> {
    refuseAzureKey(key, "completeUpload");
    this.requireSessions("completeUpload");
    return this.uploads.complete(key, uploadId, parts, options);
  }

  /** Stages a tombstone: Azure cannot delete uncommitted blocks (they go at the key's next write, or after 7 days). */
  async abortUpload(key: string, uploadId: string, options: DriverOperationOptions = {}): Promise<void> {
    refuseAzureKey(key, "abortUpload");
    this.requireSessions("abortUpload");
    return this.uploads.abort(key, uploadId, options);
  }

  /** One List Blobs (with uncommitted blobs) per 5,000 blobs under the prefix, then one Get Block List per blob. */
  async listUploads(options: DriverListUploadsOptions): Promise<UploadListing[]> {
    this.requireSessions("listUploads");
    return this.uploads.list(options);
  }

  private requireSessions(operation: string): void {
    if (!this.capabilities.multipartUpload) throw new StorageError("Unsupported", `${operation}: ${azureUploadHints(false).multipartUpload}`);
  }
}

function isUrlSigner(value: unknown): value is UrlSigner {
  if (value === null || typeof value !== "object") return false;
  const signer = value as Partial<Record<keyof UrlSigner, unknown>>;
  return typeof signer.signPut === "function" && typeof signer.signGet === "function" && typeof signer.capabilities === "object";
}

/**
 * Creates a driver over an Azure Blob Storage container:
 * `azureDriver({ container, endpoint, accountName, accountKey })`.
 */
export function azureDriver(options: AzureDriverOptions): AzureDriver {
  return new AzureDriver(options);
}
