import { isStorageError } from "@stowage/core";

/** The StorageError code a promise rejects with, "resolved", or a note that it rejected with something else. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return isStorageError(error) ? error.code : `not a StorageError: ${String(error)}`;
  }
  return "resolved";
}
