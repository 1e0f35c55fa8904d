import type { StorageErrorCode } from "./storage-error.js";
import type { UploadLimits } from "./upload-plan.js";
import type { UploadedPart, UploadSession } from "./upload-types.js";
import { partSizeOf } from "./upload-plan.js";
import { normalizeEtag } from "./validate-options.js";

/**
 * Why these parts cannot complete this session, or undefined when they
 * can: numbered 1..n without gaps; every part but the last the planned
 * size; the last no larger; as many as planned and the exact total when
 * the size is known; the total within `maxSize` (`TooLarge`). `chosen`,
 * when the caller names the parts, must match what the backend holds.
 */
export function checkUploadedParts(
  session: UploadSession,
  held: UploadedPart[],
  chosen: { partNumber: number; etag: string }[] | undefined,
  limits: UploadLimits,
): { code: StorageErrorCode; message: string } | undefined {
  const byNumber = new Map(held.map((part) => [part.partNumber, part]));
  let parts = held;
  if (chosen !== undefined) {
    if (!Array.isArray(chosen) || chosen.length === 0) return { code: "InvalidArgument", message: "parts must be a non-empty array of { partNumber, etag }" };
    parts = [];
    for (const part of chosen) {
      const found = byNumber.get(part?.partNumber);
      if (found === undefined) return { code: "InvalidArgument", message: `part ${String(part?.partNumber)} was never uploaded` };
      if (found.etag !== normalizeEtag(part.etag, "etag")) {
        return { code: "InvalidArgument", message: `part ${part.partNumber} holds etag ${found.etag}, not ${String(part.etag)}: it was uploaded again` };
      }
      parts.push(found);
    }
  }
  if (parts.length === 0) return { code: "InvalidArgument", message: "no part was uploaded yet" };
  const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
  let total = 0;
  for (let index = 0; index < sorted.length; index++) {
    const part = sorted[index]!;
    if (part.partNumber !== index + 1) return { code: "InvalidArgument", message: `part ${index + 1} is missing (parts run from 1 without gaps)` };
    const last = index === sorted.length - 1;
    const planned = partSizeOf(session, part.partNumber);
    if (planned !== undefined && part.size !== planned) {
      return { code: "InvalidArgument", message: `part ${part.partNumber} has ${part.size} bytes, but the plan gives it ${planned}; upload it again` };
    }
    if (!last && part.size !== session.partSize && (limits.equalParts || planned === undefined)) {
      return { code: "InvalidArgument", message: `part ${part.partNumber} has ${part.size} bytes; every part but the last must have ${session.partSize}` };
    }
    if (last && part.size > session.partSize) return { code: "InvalidArgument", message: `the last part has ${part.size} bytes, more than the part size ${session.partSize}` };
    total += part.size;
  }
  if (session.maxSize !== undefined && total > session.maxSize) {
    return { code: "TooLarge", message: `The parts hold ${total} bytes, more than maxSize (${session.maxSize}); the upload was aborted` };
  }
  if (session.partCount !== undefined && sorted.length !== session.partCount) {
    return { code: "InvalidArgument", message: `${session.partCount - sorted.length} of ${session.partCount} parts are missing (the next is part ${sorted.length + 1})` };
  }
  if (session.size !== undefined && total !== session.size) return { code: "InvalidArgument", message: `the parts hold ${total} bytes, but the upload's size is ${session.size}` };
  return undefined;
}
