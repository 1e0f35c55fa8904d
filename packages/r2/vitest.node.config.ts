import { defineProject } from "vitest/config";
import { stowageAliases } from "../../vitest.shared.ts";

// The Node-side tests of @stowage/r2: the native presigner against the AWS SDK
// presigner (byte for byte) and against a real SigV4 server (Ceph RGW).
export default defineProject({
  resolve: { alias: stowageAliases },
  test: { name: "r2-node", include: ["test-node/**/*.test.ts"], testTimeout: 30_000 },
});
