// Runs every conformance case against the memory driver (directly and through
// withPrefix) in whatever runtime executes this file: Node, Bun or Deno. It
// imports the built packages (dist) by path, so it needs no test runner and
// no package resolution beyond the packages' own node_modules links.
// Prints one JSON line: { runtime, version, passed, failed, skipped, failures }.
import { conformanceCases, missingCapabilities, runCase } from "../packages/conformance/dist/index.js";
import { withPrefix } from "../packages/core/dist/index.js";
import { memoryDriver } from "../packages/memory/dist/index.js";

const runtime =
  typeof globalThis.Bun !== "undefined"
    ? { name: "bun", version: globalThis.Bun.version }
    : typeof globalThis.Deno !== "undefined"
      ? { name: "deno", version: globalThis.Deno.version.deno }
      : { name: "node", version: globalThis.process.versions.node };

// Skips mirror packages/memory/test/conformance.test.ts.
const fixtures = [
  ["memory", { driver: memoryDriver() }, {}],
  [
    "memory through withPrefix",
    { driver: withPrefix(memoryDriver(), "tenant/") },
    { "keys: a 1024-byte key round-trips": "withPrefix leaves 1017 bytes for the key" },
  ],
];

function withTimeout(promise, milliseconds) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${milliseconds} ms`)), milliseconds);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

let passed = 0;
let skipped = 0;
const failures = [];
for (const [fixtureName, fixture, skips] of fixtures) {
  for (const conformanceCase of conformanceCases) {
    if (missingCapabilities(conformanceCase, fixture).length > 0 || conformanceCase.name in skips) {
      skipped++;
      continue;
    }
    try {
      await withTimeout(runCase(conformanceCase, fixture), conformanceCase.timeout ?? 60_000);
      passed++;
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      failures.push(`${fixtureName} > ${conformanceCase.name}: ${message.split("\n")[0]}`);
    }
  }
}
console.log(JSON.stringify({ runtime: runtime.name, version: runtime.version, passed, failed: failures.length, skipped, failures }));
