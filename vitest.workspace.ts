/**
 * The test projects. The root vitest.config.ts reads this list into
 * `test.projects` (Vitest 4 ignores a workspace file on its own).
 */
export default ["packages/*/vitest.config.ts", "packages/s3/vitest.swift.config.ts", "packages/r2/vitest.node.config.ts", "packages/kv/vitest.workerd.config.ts", "examples/worker-r2/vitest.e2e.config.ts", "examples/*/vitest.config.ts"];
