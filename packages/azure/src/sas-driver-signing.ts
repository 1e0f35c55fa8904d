import { StorageError, type DriverSignGetOptions, type DriverSignPutOptions, type SignedRequest } from "@stowage/core";
import { sasSigner, type SasSignerOptions } from "./sas-signer.js";

/**
 * Why a SAS upload cannot carry each signPut constraint: a service SAS signs
 * the blob, the permissions and the time window, never the request's
 * headers or body. For the driver's `capabilityHints`.
 */
export const sasSignPutHints = {
  signPutContentType: "a SAS cannot bind the upload's Content-Type (the client chooses it)",
  signPutSize: "a SAS cannot bind the upload's size",
  signPutMaxSize: "a SAS cannot bind a maximum size (Azure has no POST policy)",
  signPutOneTime: "a SAS can be used until it expires, not once",
  signPutIfNotExists: "a SAS cannot make the upload create-only (If-None-Match is not signed)",
} as const;

/** `signGet` and `signPut` for a driver over one container, with Stowage's driver options. */
export interface SasDriverSigning {
  signGet(key: string, options: DriverSignGetOptions): Promise<SignedRequest>;
  signPut(key: string, options: DriverSignPutOptions): Promise<SignedRequest>;
}

/**
 * The azure driver's signed URLs: service SAS for `container`, the key as the
 * blob name. `signPut` refuses (with `Unsupported`) every constraint a SAS
 * cannot enforce; the driver declares those capabilities off, so `Storage`
 * refuses them first.
 */
export function sasDriverSigning(options: SasSignerOptions & { container: string }): SasDriverSigning {
  const { container, ...account } = options;
  const signer = sasSigner(account);
  return {
    signGet(key, getOptions) {
      return signer.signGet(container, key, {
        expiresAt: getOptions.expiresAt,
        ...(getOptions.downloadFilename === undefined ? {} : { downloadFilename: getOptions.downloadFilename }),
        ...(getOptions.responseContentType === undefined ? {} : { responseContentType: getOptions.responseContentType }),
        ...(getOptions.inline === true ? { inline: true } : {}),
      });
    },
    async signPut(key, putOptions) {
      const refused = (
        [
          ["contentType", putOptions.contentType !== undefined, sasSignPutHints.signPutContentType],
          ["size", putOptions.size !== undefined, sasSignPutHints.signPutSize],
          ["maxSize", putOptions.maxSize !== undefined, sasSignPutHints.signPutMaxSize],
          ["oneTime", putOptions.oneTime === true, sasSignPutHints.signPutOneTime],
          ["ifNotExists", putOptions.ifNotExists === true, sasSignPutHints.signPutIfNotExists],
        ] as const
      ).find(([, given]) => given);
      if (refused !== undefined) {
        throw new StorageError("Unsupported", `signPut ${refused[0]}: ${refused[2]}`, { operation: "signPut", driver: "azure", key });
      }
      return signer.signPut(container, key, { expiresAt: putOptions.expiresAt });
    },
  };
}
