/** A presigned browser-form upload: POST `url` as multipart/form-data. */
export interface PresignedPost {
  url: string;
  /** Send these form fields first, in this order, then the file in a field named `file`. */
  fields: Record<string, string>;
  /** The policy's expiration instant. */
  expiresAt: Date;
}

/** What a POST policy allows. */
export interface PostPolicyRequest {
  /** The form action: the bucket's URL, such as `https://s3.example.com/bucket`. */
  url: string;
  bucket: string;
  /** The exact key the upload is stored under (`eq` condition). */
  key: string;
  /** The signing instant. */
  date: Date;
  /** Seconds until the policy expires, 1 to 604800. */
  expiresIn: number;
  /** The upload must carry exactly this Content-Type (`eq` condition). */
  contentType?: string;
  /** The file must be from `min` to `max` bytes, inclusive (`content-length-range`). */
  contentLengthRange?: { min: number; max: number };
  /**
   * The status S3 answers a successful upload with (the `success_action_status`
   * field, pinned by the policy). S3's default is 204 with an empty body; with
   * 201 it answers an XML `<PostResponse>` holding `Location`, `Bucket`, `Key`
   * and `ETag`, the only place a browser can read the stored object's ETag.
   */
  successActionStatus?: 200 | 201 | 204;
  /** Extra form fields, each pinned by an `eq` condition. */
  fields?: Record<string, string>;
}

/** What the policy builder needs from a presigner. */
export interface PostPolicySigner {
  accessKeyId: string;
  sessionToken: string | undefined;
  region: string;
  service: string;
  /** Hex HMAC-SHA256 of `text` with the signing key of `shortDate`. */
  sign(shortDate: string, text: string): string;
}

const textEncoder = new TextEncoder();

function base64(text: string): string {
  const bytes = textEncoder.encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Builds and signs an S3 POST policy (SigV4). Prefer `SigV4Presigner.presignPost`. */
export function createPostPolicy(request: PostPolicyRequest, signer: PostPolicySigner): PresignedPost {
  if (!Number.isInteger(request.expiresIn) || request.expiresIn < 1 || request.expiresIn > 604800) {
    throw new TypeError("expiresIn must be an integer from 1 to 604800 seconds");
  }
  const longDate = request.date.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
  const shortDate = longDate.slice(0, 8);
  const credential = `${signer.accessKeyId}/${shortDate}/${signer.region}/${signer.service}/aws4_request`;
  const expiresAt = new Date(request.date.getTime() + request.expiresIn * 1000);

  // The bucket is pinned by the policy, not sent as a field: the URL names it.
  const fields: Record<string, string> = { key: request.key };
  if (request.contentType !== undefined) fields["Content-Type"] = request.contentType;
  if (request.successActionStatus !== undefined) {
    if (![200, 201, 204].includes(request.successActionStatus)) throw new TypeError("successActionStatus must be 200, 201 or 204");
    fields.success_action_status = String(request.successActionStatus);
  }
  if (request.fields !== undefined) Object.assign(fields, request.fields);
  fields["X-Amz-Algorithm"] = "AWS4-HMAC-SHA256";
  fields["X-Amz-Credential"] = credential;
  fields["X-Amz-Date"] = longDate;
  if (signer.sessionToken !== undefined) fields["X-Amz-Security-Token"] = signer.sessionToken;

  const conditions: unknown[] = [{ bucket: request.bucket }];
  for (const [name, value] of Object.entries(fields)) conditions.push(["eq", `$${name}`, value]);
  if (request.contentLengthRange !== undefined) {
    const { min, max } = request.contentLengthRange;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min) {
      throw new TypeError("contentLengthRange needs integers 0 <= min <= max");
    }
    conditions.push(["content-length-range", min, max]);
  }
  const policy = base64(JSON.stringify({ expiration: expiresAt.toISOString(), conditions }));
  fields.Policy = policy;
  fields["X-Amz-Signature"] = signer.sign(shortDate, policy);
  return { url: request.url, fields, expiresAt };
}
