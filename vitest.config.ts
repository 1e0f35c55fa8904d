import { defineConfig } from "vitest/config";
import projects from "./vitest.workspace.ts";

export default defineConfig({
  test: {
    projects,
    passWithNoTests: true,
    // The provider-matrix reporter saves each conformance suite's results as
    // JSON (.tmp/conformance-results) for scripts/provider-matrix.mjs.
    reporters: ["default", "./scripts/provider-matrix-reporter.mjs"],
  },
});
