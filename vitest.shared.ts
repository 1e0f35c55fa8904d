import { fileURLToPath } from "node:url";

const packagesDir = fileURLToPath(new URL("./packages/", import.meta.url));

/**
 * Tests import workspace packages from their sources, so a test run needs no
 * build. `@stowage/x` maps to packages/x/src/index.ts and `@stowage/x/y` to
 * packages/x/src/y.ts.
 */
export const stowageAliases = [
  { find: /^@stowage\/([a-z0-9-]+)$/, replacement: `${packagesDir}$1/src/index.ts` },
  { find: /^@stowage\/([a-z0-9-]+)\/([a-z0-9-]+)$/, replacement: `${packagesDir}$1/src/$2.ts` },
];
