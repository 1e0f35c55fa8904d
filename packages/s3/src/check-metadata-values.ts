import { StorageError } from "@stowage/core";
import type { S3Profile } from "./s3-profiles.js";

/**
 * Refuses a metadata value longer than the profile's server stores (Swift's
 * 256 bytes) with `InvalidArgument`, before anything is sent: the server
 * would answer 500. Core allows printable ASCII only, so characters are bytes.
 */
export function checkMetadataValues(profile: S3Profile, metadata: Record<string, string> | undefined): void {
  const limit = profile.maxMetadataValueBytes;
  if (limit === undefined || metadata === undefined) return;
  for (const [name, value] of Object.entries(metadata)) {
    const bytes = new TextEncoder().encode(value).byteLength;
    if (bytes > limit) {
      throw new StorageError(
        "InvalidArgument",
        `metadata value for ${JSON.stringify(name)} is ${bytes} bytes; the ${profile.name} profile's server stores at most ${limit} bytes per value ` +
          `(profile.maxMetadataValueBytes); shorten it or split it over several keys`,
      );
    }
  }
}
