import type { UploadSession } from "./upload-types.js";
import { isPlainObject } from "./known-options.js";
import { assertValidKey } from "./validate-key.js";
import { invalid } from "./validate-options.js";

const sessionFields = ["key", "uploadId", "partSize", "partCount", "size", "maxSize", "ifNotExists", "contentType", "expiresAt"];

/**
 * Checks that `value` has the shape `uploads.create` returned (after a
 * JSON round trip too), so a truncated or hand-made session is refused
 * with `InvalidArgument` before any I/O.
 */
export function validateUploadSession(value: unknown): UploadSession {
  if (!isPlainObject(value)) throw invalid("session must be the object uploads.create returned");
  const session = value as Record<string, unknown>;
  for (const name of Object.keys(session)) {
    if (!sessionFields.includes(name)) throw invalid(`session has an unknown field "${name}"; pass the object uploads.create returned`);
  }
  assertValidKey(session.key, "upload session");
  if (typeof session.uploadId !== "string" || session.uploadId.length === 0) throw invalid("session.uploadId must be a non-empty string");
  const count = (name: string, optional: boolean, minimum: number) => {
    const field = session[name];
    if (field === undefined && optional) return;
    if (typeof field !== "number" || !Number.isSafeInteger(field) || field < minimum) throw invalid(`session.${name} must be a whole number of at least ${minimum}`);
  };
  count("partSize", false, 1);
  count("partCount", true, 1);
  count("size", true, 0);
  count("maxSize", true, 0);
  if ((session.size === undefined) !== (session.partCount === undefined)) throw invalid("session.size and session.partCount come together");
  if (session.ifNotExists !== undefined && session.ifNotExists !== true) throw invalid("session.ifNotExists must be true or absent");
  if (typeof session.contentType !== "string" || session.contentType.length === 0) throw invalid("session.contentType must be a non-empty string");
  if (typeof session.expiresAt !== "string" || Number.isNaN(Date.parse(session.expiresAt))) throw invalid("session.expiresAt must be an ISO 8601 date");
  return session as unknown as UploadSession;
}
