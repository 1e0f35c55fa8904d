export { SigV4Presigner, formatAmzDate } from "./sigv4-presigner.js";
export type { PresignRequest, SigV4Credentials, SigV4PresignerOptions } from "./sigv4-presigner.js";
export type { PostPolicyRequest, PresignedPost } from "./post-policy.js";
export { encodeKeyPath, encodeRfc3986, toHex } from "./encode.js";
export { HmacSha256Key } from "./hmac-sha256.js";
export { sha256 } from "./sha256.js";
