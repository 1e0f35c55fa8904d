// A vitest reporter that saves each conformance suite's results as JSON, for
// the provider matrix (scripts/provider-matrix.mjs renders
// docs/provider-matrix.md from them). Registered in the root vitest.config.ts
// next to the default reporter, so it runs for every pool: tests in workerd
// report their task meta to this Node side like any other test.
//
// For every `describeConformance` suite that ran completely, it writes
// `<dir>/<suite slug>.json`: the suite name, the vitest project, the driver
// as data (capabilities, hints, signPut conflicts, profile facts) and each
// case's state (passed, failed or skipped, with the skip reason). A suite cut
// short by a filter (`-t`, `--project`) is not written, so a partial run
// never overwrites a full one. <dir> is $STOWAGE_MATRIX_DIR, or
// .tmp/conformance-results in the repository.
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const metaKey = "stowageConformance";
const defaultDir = fileURLToPath(new URL("../.tmp/conformance-results/", import.meta.url));

export function resultsDir() {
  return process.env.STOWAGE_MATRIX_DIR || defaultDir;
}

export function suiteSlug(suite) {
  return suite.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

export default class ProviderMatrixReporter {
  onTestRunEnd(testModules) {
    const suites = new Map();
    for (const testModule of testModules) {
      for (const test of testModule.children.allTests()) {
        const meta = test.meta()?.[metaKey];
        if (meta === undefined) continue;
        let suite = suites.get(meta.suite);
        if (suite === undefined) {
          suite = { suite: meta.suite, project: testModule.project.name, driver: undefined, cases: [], complete: true };
          suites.set(meta.suite, suite);
        }
        const state = test.result().state;
        if (meta.driver !== undefined) suite.driver ??= meta.driver;
        // Skipped without a reason of ours: filtered out, never ran.
        if (state === "pending" || (state === "skipped" && meta.skipped === undefined)) suite.complete = false;
        const entry = { name: meta.case, requires: meta.requires, state };
        if (state === "skipped") {
          entry.reason = meta.skipped;
          if (meta.missing !== undefined) entry.missing = meta.missing;
        }
        suite.cases.push(entry);
      }
    }
    if (suites.size === 0) return;
    const dir = resultsDir();
    mkdirSync(dir, { recursive: true });
    for (const suite of suites.values()) {
      if (!suite.complete || suite.driver === undefined) continue;
      const { complete, ...data } = suite;
      writeFileSync(`${dir}/${suiteSlug(suite.suite)}.json`, `${JSON.stringify({ ...data, writtenAt: Date.now() }, null, 2)}\n`);
    }
  }
}
