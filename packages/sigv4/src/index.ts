export { SigV4Presigner, formatAmzDate } from "./sigv4-presigner.js";
export type { PresignRequest, SigV4Credentials, SigV4PresignerOptions } from "./sigv4-presigner.js";
export type { PostPolicyRequest, PresignedPost } from "./post-policy.js";
export { encodeKeyPath, encodeRfc3986 } from "./encode.js";
export { HmacSha256Key, sha256 } from "./hmac-sha256.js";
