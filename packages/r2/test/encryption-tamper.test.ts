import { env } from "cloudflare:workers";
import { r2Driver } from "@stowage/r2";
import { describeTamperCases } from "../../encryption/test/shared/tamper-cases.ts";

// The tamper matrix of issue 15 through withEncryption on the R2 binding
// inside workerd: each case rewrites the stored object (body, content type and
// custom metadata) through the R2 driver itself, under a prefix unique to the run.
const bucket = (env as unknown as { BUCKET: R2Bucket }).BUCKET;

describeTamperCases("r2 (workerd binding)", () => r2Driver({ bucket }));
