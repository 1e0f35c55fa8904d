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
} from "@stowage/core";
import { azureSigningCapabilities, azureSigningHints } from "./azure-capabilities.js";
import { sasDriverSigning, type SasDriverSigning } from "./sas-driver-signing.js";
import { AzureRestClient } from "./azure-rest-client.js";
import { copyBlob } from "./copy-blob.js";
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
  private readonly signing: SasDriverSigning | undefined;

  constructor(options: AzureDriverOptions) {
    if (options === null || typeof options !== "object") {
      throw new StorageError("InvalidArgument", "azureDriver needs { container, endpoint, accountName, accountKey } or { container, client }");
    }
    assertKnownOptions(options, ["container", "endpoint", "accountName", "accountKey", "client", "blockSize", "concurrency"], "azureDriver options");
    if (typeof options.container !== "string" || !/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(options.container)) {
      throw new StorageError("InvalidArgument", "azureDriver options.container must be a container name: 3-63 lowercase letters, digits and single hyphens");
    }
    let client: AzureRestClient;
    let signing: SasDriverSigning | undefined;
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
      signing = sasDriverSigning({
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
    this.context = { client, container: options.container, blockSize, concurrency };
    this.signing = signing;
    this.capabilities = azureSigningCapabilities(signing !== undefined);
    this.capabilityHints = azureSigningHints(signing !== undefined);
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

  /** A service SAS URL (`sp=r`) for the blob; needs the account key. */
  async signGet(key: string, options: DriverSignGetOptions): Promise<SignedRequest> {
    refuseAzureKey(key, "signGet");
    if (this.signing === undefined) throw new StorageError("Unsupported", `signGet: ${this.capabilityHints.signGet}`);
    return this.signing.signGet(key, options);
  }

  /** A service SAS URL (`sp=cw`) to PUT the blob with `x-ms-blob-type: BlockBlob`; needs the account key. */
  async signPut(key: string, options: DriverSignPutOptions): Promise<SignedRequest> {
    refuseAzureKey(key, "signPut");
    if (this.signing === undefined) throw new StorageError("Unsupported", `signPut: ${this.capabilityHints.signPut}`);
    return this.signing.signPut(key, options);
  }
}

/**
 * Creates a driver over an Azure Blob Storage container:
 * `azureDriver({ container, endpoint, accountName, accountKey })`.
 */
export function azureDriver(options: AzureDriverOptions): AzureDriver {
  return new AzureDriver(options);
}
