import { env } from "cloudflare:workers";
import { describeConformance } from "@stowage/conformance/vitest";
import { r2Driver } from "@stowage/r2";

const bucket = (env as unknown as { BUCKET: R2Bucket }).BUCKET;

describeConformance({ name: "r2 (workerd binding)", create: () => ({ driver: r2Driver({ bucket }) }) });
