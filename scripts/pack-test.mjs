#!/usr/bin/env node
// Installs single packages as users will: `pnpm pack` each package, then, in
// temporary directories outside the workspace, `npm install` only the
// tarballs of @stowage/core, @stowage/open and one driver, and run a script
// that uses them, once as ESM and once as CJS. openStorage must work for that
// driver's scheme and give the "install @stowage/…" error for another scheme.
// This proves each driver installs and works alone, with no workspace links,
// and that @stowage/open reaches a driver through an optional peer
// dependency, not a hard one (and core through none at all).
//
// Then every package's every export subpath is compiled by tsc from the
// installed tarballs with moduleResolution node10 ("node"), node16 and
// bundler, so `@stowage/http/node` and friends resolve for every setting.
//
// Usage: node scripts/pack-test.mjs [memory|fs|s3 ...]   (default: all three)
// With S3_ENDPOINT set (scripts/test.sh starts Ceph RGW), the s3 check does a
// put and get against it; without, it only opens the storage.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const started = Date.now();
const log = (message) => console.log(`pack-test [${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
const run = (command, args, options = {}) =>
  execFileSync(command, args, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", ...options, env: { ...process.env, ...options.env } });

/** Each driver: its scheme's URL, and a scheme whose package is absent there. */
const drivers = {
  memory: { url: () => "memory://", other: { url: "file:./other", package: "@stowage/fs" }, roundTrip: true },
  fs: { url: () => "file:./data", other: { url: "memory://", package: "@stowage/memory" }, roundTrip: true },
  s3: {
    url: () => {
      const endpoint = process.env.S3_ENDPOINT ?? "http://127.0.0.1:9";
      const bucket = process.env.S3_BUCKET ?? "stowage-test";
      const params = new URLSearchParams({ region: process.env.S3_REGION ?? "us-east-1", endpoint, forcePathStyle: "true" });
      return `s3://${bucket}/pack-test-${Date.now().toString(36)}/?${params}`;
    },
    other: { url: "memory://", package: "@stowage/memory" },
    roundTrip: Boolean(process.env.S3_ENDPOINT),
  },
};

const selected = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(drivers);
for (const name of selected) if (!(name in drivers)) throw new Error(`unknown driver ${name}; use ${Object.keys(drivers).join(", ")}`);
if (process.env.CI === "true" && selected.includes("s3") && !process.env.S3_ENDPOINT) {
  throw new Error("CI=true: the s3 pack test needs S3_ENDPOINT (Ceph RGW) for its put and get");
}

// 1. Build and pack every package.
log("building the packages");
run("pnpm", ["exec", "turbo", "run", "build", "--filter=./packages/*", "--output-logs=errors-only"], { cwd: root, env: { TURBO_TELEMETRY_DISABLED: "1" } });
const work = mkdtempSync(join(tmpdir(), "stowage-pack-test-"));
if (resolve(work).startsWith(root)) throw new Error(`the temporary directory ${work} is inside the workspace`);
const tarballs = join(work, "tarballs");
const tarballOf = {};
for (const directory of readdirSync(join(root, "packages"))) {
  const packageDir = join(root, "packages", directory);
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
  if (manifest.private) continue;
  run("pnpm", ["pack", "--pack-destination", tarballs], { cwd: packageDir });
  const file = join(tarballs, `${manifest.name.replace(/^@/, "").replace("/", "-")}-${manifest.version}.tgz`);
  if (!existsSync(file)) throw new Error(`pnpm pack made no ${file} for ${manifest.name}`);
  tarballOf[manifest.name] = file;
}
log(`packed ${Object.keys(tarballOf).length} packages into ${tarballs}`);

// What a packed manifest says: workspace: ranges must be gone; core knows no
// driver (no cycle); the drivers are optional peers of @stowage/open.
const packedManifest = (name) => JSON.parse(run("tar", ["-xOzf", tarballOf[name], "package/package.json"]));
const coreManifest = packedManifest("@stowage/core");
const openManifest = packedManifest("@stowage/open");
for (const [packageName, manifest] of [["@stowage/core", coreManifest], ["@stowage/open", openManifest]]) {
  for (const [name, range] of Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies })) {
    if (String(range).startsWith("workspace:")) throw new Error(`the packed ${packageName} still has ${name}@${range}`);
  }
}
if (!openManifest.peerDependencies?.["@stowage/core"] || openManifest.peerDependenciesMeta?.["@stowage/core"]?.optional) {
  throw new Error("@stowage/open must list @stowage/core as a (required) peer dependency");
}
for (const name of ["@stowage/memory", "@stowage/fs", "@stowage/s3", "@stowage/r2"]) {
  const anywhere = [coreManifest.dependencies, coreManifest.peerDependencies, coreManifest.optionalDependencies];
  if (anywhere.some((map) => map?.[name])) throw new Error(`@stowage/core must not name ${name}: drivers depend on core, not the reverse`);
  if (openManifest.dependencies?.[name]) throw new Error(`@stowage/open must not depend on ${name}; it is an optional peer`);
  if (!openManifest.peerDependenciesMeta?.[name]?.optional) throw new Error(`@stowage/open must list ${name} as an optional peer dependency`);
}

// 2. One driver at a time, in its own directory, with only core and that driver.
const check = (moduleSystem, driver, url, other) => {
  const load = moduleSystem === "esm" ? `await import("@stowage/core")` : `require("@stowage/core")`;
  const loadOpen = moduleSystem === "esm" ? `await import("@stowage/open")` : `require("@stowage/open")`;
  const loadDriver = moduleSystem === "esm" ? `await import("@stowage/${driver}")` : `require("@stowage/${driver}")`;
  const body = `
  const { isStorageError } = ${load};
  const { openStorage } = ${loadOpen};
  const driverModule = ${loadDriver};
  const assert = (condition, message) => { if (!condition) { console.error("FAIL: " + message); process.exit(1); } };
  assert(typeof driverModule.${driver}Driver === "function", "@stowage/${driver} exports ${driver}Driver");
  const storage = await openStorage(process.env.CHECK_URL);
  assert(storage.driver.name === "${driver}", "openStorage(" + process.env.CHECK_URL.split("?")[0] + ") opened the ${driver} driver, got " + storage.driver.name);
  if (process.env.CHECK_ROUND_TRIP === "1") {
    const key = "pack-test/${moduleSystem}/" + Date.now() + ".txt";
    await storage.put(key, "hello from ${moduleSystem}", { contentType: "text/plain" });
    const object = await storage.get(key);
    assert(object && (await object.text()) === "hello from ${moduleSystem}", "round trip through ${driver}");
    await storage.delete(key);
    assert((await storage.head(key)) === null, "delete through ${driver}");
  }
  let refused;
  try { await openStorage(${JSON.stringify(other.url)}); } catch (error) { refused = error; }
  assert(refused !== undefined, "${other.url} without ${other.package} must fail");
  assert(isStorageError(refused, "Unsupported"), "a missing driver package is Unsupported, got " + refused);
  assert(refused.message.includes("npm install ${other.package}"), "the error names the package to install: " + refused.message);
  let bad;
  try { await openStorage("s3://user:secret@bucket"); } catch (error) { bad = error; }
  assert(isStorageError(bad, "InvalidArgument") && !bad.message.includes("secret@"), "credentials in the URL are refused");
  console.log("ok ${moduleSystem} ${driver}: " + storage.driver.name + (process.env.CHECK_ROUND_TRIP === "1" ? " round trip" : " opened") + "; " + JSON.stringify(refused.message));
`;
  return moduleSystem === "esm" ? body : `(async () => {${body}})().catch((error) => { console.error(error); process.exit(1); });\n`;
};

let failures = 0;
for (const driver of selected) {
  const spec = drivers[driver];
  const directory = join(work, `only-${driver}`);
  rmSync(directory, { recursive: true, force: true });
  run("mkdir", ["-p", directory]);
  writeFileSync(join(directory, "package.json"), JSON.stringify({ name: `pack-test-${driver}`, version: "0.0.0", private: true }, null, 2));
  // The driver's own @stowage/* dependencies (such as @stowage/sigv4) come
  // from their tarballs too, as npm would fetch them from the registry.
  const needed = ["@stowage/core", "@stowage/open", `@stowage/${driver}`];
  for (let index = 1; index < needed.length; index++) {
    const manifest = JSON.parse(run("tar", ["-xOzf", tarballOf[needed[index]], "package/package.json"]));
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      if (dependency.startsWith("@stowage/") && !needed.includes(dependency)) needed.push(dependency);
    }
  }
  const installStarted = Date.now();
  // Every tarball in one command, so the peer dependencies on @stowage/core
  // resolve to the local tarball, not the registry.
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...needed.map((name) => tarballOf[name])], {
    cwd: directory,
  });
  const installed = readdirSync(join(directory, "node_modules", "@stowage")).sort();
  log(`${driver}: npm install of ${needed.join(" ")} took ${((Date.now() - installStarted) / 1000).toFixed(1)}s; node_modules/@stowage has ${installed.join(", ")}`);
  const expected = needed.map((name) => name.slice("@stowage/".length)).sort();
  if (installed.join(",") !== expected.join(",")) {
    console.error(`FAIL ${driver}: expected only ${expected.join(", ")} under node_modules/@stowage`);
    failures++;
    continue;
  }
  writeFileSync(join(directory, "check.mjs"), check("esm", driver, spec.url, spec.other));
  writeFileSync(join(directory, "check.cjs"), check("cjs", driver, spec.url, spec.other));
  for (const file of ["check.mjs", "check.cjs"]) {
    try {
      const output = run(process.execPath, [file], {
        cwd: directory,
        env: { CHECK_URL: spec.url(), CHECK_ROUND_TRIP: spec.roundTrip ? "1" : "0" },
      });
      log(output.trim());
    } catch (error) {
      failures++;
      console.error(`FAIL ${driver} ${file}:\n${error.stdout ?? ""}${error.stderr ?? error.message}`);
    }
  }
}

// 2b. The CLI as `npx @stowage/cli` runs it: only the cli tarball and the
// @stowage packages it depends on, no driver. A file: URL must name the
// missing driver package; with @stowage/fs added, a round trip works.
{
  const directory = join(work, "cli");
  run("mkdir", ["-p", directory]);
  writeFileSync(join(directory, "package.json"), JSON.stringify({ name: "pack-test-cli", version: "0.0.0", private: true }, null, 2));
  const needed = ["@stowage/cli"];
  for (let index = 0; index < needed.length; index++) {
    const manifest = JSON.parse(run("tar", ["-xOzf", tarballOf[needed[index]], "package/package.json"]));
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      if (dependency.startsWith("@stowage/") && !needed.includes(dependency)) needed.push(dependency);
    }
  }
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...needed.map((name) => tarballOf[name])], { cwd: directory });
  const stowage = (args) => {
    try {
      return { code: 0, output: run("npx", ["--no-install", "stowage", ...args], { cwd: directory }) };
    } catch (error) {
      return { code: error.status, output: `${error.stdout ?? ""}${error.stderr ?? ""}` };
    }
  };
  const missing = stowage(["ls", "file:./data"]);
  if (missing.code === 0 || !missing.output.includes("npm install @stowage/fs")) {
    failures++;
    console.error(`FAIL cli without @stowage/fs: expected an error naming the package, got exit ${missing.code}: ${missing.output}`);
  } else log(`cli (${needed.join(", ")}): without a driver, ${JSON.stringify(missing.output.trim())}`);
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", tarballOf["@stowage/fs"], ...needed.map((name) => tarballOf[name])], { cwd: directory });
  writeFileSync(join(directory, "hello.txt"), "hello from npx");
  const copied = stowage(["cp", "hello.txt", "file:./data#greetings/hello.txt"]);
  const read = stowage(["cat", "file:./data#greetings/hello.txt"]);
  if (copied.code !== 0 || read.output !== "hello from npx") {
    failures++;
    console.error(`FAIL cli with @stowage/fs: cp exit ${copied.code} (${copied.output}), cat printed ${JSON.stringify(read.output)}`);
  } else log("cli with @stowage/fs: cp then cat round-trips");
}

// 3. Types: every export subpath of every package, compiled from the installed
// tarballs with each moduleResolution a user may have.
{
  const directory = join(work, "types");
  run("mkdir", ["-p", directory]);
  writeFileSync(join(directory, "package.json"), JSON.stringify({ name: "pack-test-types", version: "0.0.0", private: true }, null, 2));
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...Object.values(tarballOf)], { cwd: directory });
  const lines = [];
  let index = 0;
  for (const name of Object.keys(tarballOf).sort()) {
    for (const subpath of Object.keys(packedManifest(name).exports ?? { ".": "" })) {
      if (subpath === "./package.json") continue;
      const specifier = subpath === "." ? name : `${name}/${subpath.slice(2)}`;
      lines.push(`import * as module${index} from ${JSON.stringify(specifier)};`, `export const names${index++} = Object.keys(module${index - 1});`);
    }
  }
  // A few named imports with their types, so a subpath that resolves to the wrong file fails too.
  lines.push(
    'import { toNodeListener, serveHandler } from "@stowage/http/node";',
    'import { createSignedUrlHandler } from "@stowage/http";',
    'import { describeConformance } from "@stowage/conformance/vitest";',
    'import { openStorage } from "@stowage/open";',
    'import type { Storage } from "@stowage/core";',
    "export const listener: (request: import(\"node:http\").IncomingMessage, response: import(\"node:http\").ServerResponse) => void = toNodeListener(async () => new Response());",
    "export const served: typeof serveHandler = serveHandler;",
    "export const handler: typeof createSignedUrlHandler = createSignedUrlHandler;",
    "export const suite: typeof describeConformance = describeConformance;",
    "export const opened: Promise<Storage> = openStorage(\"memory://\");",
  );
  writeFileSync(join(directory, "check.ts"), lines.join("\n") + "\n");
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const settings = [
    ["node10", "commonjs"],
    ["node16", "node16"],
    ["bundler", "esnext"],
  ];
  for (const [moduleResolution, module] of settings) {
    const config = {
      compilerOptions: {
        module,
        moduleResolution,
        target: "es2022",
        lib: ["es2022", "dom"],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        ignoreDeprecations: "5.0",
        typeRoots: [join(root, "node_modules", "@types")],
        types: ["node"],
      },
      files: ["check.ts"],
    };
    writeFileSync(join(directory, `tsconfig.${moduleResolution}.json`), JSON.stringify(config, null, 2));
    try {
      run(process.execPath, [tsc, "-p", `tsconfig.${moduleResolution}.json`], { cwd: directory });
      log(`types: ${index} entry points compile with moduleResolution ${moduleResolution}`);
    } catch (error) {
      failures++;
      console.error(`FAIL types with moduleResolution ${moduleResolution}:\n${error.stdout ?? ""}${error.stderr ?? error.message}`);
    }
  }
}

if (failures > 0) {
  console.error(`pack-test: ${failures} failure(s); the work directory is kept at ${work}`);
  process.exit(1);
}
rmSync(work, { recursive: true, force: true });
log(`all single-package installs passed (${selected.join(", ")})`);
