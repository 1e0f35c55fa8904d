import { describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

// @stowage/core runs in browsers, Workers, Bun and Deno: web standards only.
const sourceDir = fileURLToPath(new URL("../src/", import.meta.url));
const nodeBuiltins = ["fs", "path", "crypto", "stream", "buffer", "url", "os", "util", "events", "http", "https", "child_process", "zlib"];

const forbidden: Array<[string, RegExp]> = [
  ["a node: import", /(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']node:/],
  ["a bare Node built-in import", new RegExp(`(?:from\\s*|import\\s*\\(\\s*|require\\s*\\(\\s*)["'](?:${nodeBuiltins.join("|")})(?:/[^"']*)?["']`)],
  ["Buffer", /\bBuffer\b/],
  ["process", /\bprocess\s*\./],
];

function sources(): Array<{ file: string; text: string }> {
  return readdirSync(sourceDir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => ({ file, text: readFileSync(sourceDir + file, "utf8") }));
}

describe("@stowage/core is web-standard", () => {
  it("finds the sources to scan", () => {
    expect(sources().map((source) => source.file)).toContain("storage.ts");
  });

  it.each(forbidden)("no source file contains %s", (_what, pattern) => {
    const offenders = sources()
      .filter((source) => pattern.test(source.text.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, "")))
      .map((source) => source.file);
    expect(offenders).toEqual([]);
  });

  it("the patterns catch what they are meant to", () => {
    const samples = [
      'import { readFile } from "node:fs/promises";',
      'const fs = await import("node:fs");',
      'import { createHash } from "crypto";',
      "const bytes = Buffer.from(text);",
      "const secret = process.env.SECRET;",
    ];
    for (const sample of samples) expect(forbidden.some(([, pattern]) => pattern.test(sample)), sample).toBe(true);
    expect(forbidden.some(([, pattern]) => pattern.test("new Uint8Array(new ArrayBuffer(8))"))).toBe(false);
  });
});
