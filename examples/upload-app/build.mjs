// Builds the upload app: dist/server.js (Node, packages left external) and
// dist/public/ (the page, with @stowage/client bundled for the browser).
import { copyFile, mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

/** Bundles the page script; `alias` can point packages at their sources (the tests do). */
export async function buildBrowserScript({ alias } = {}) {
  const result = await build({
    entryPoints: [here("./src/browser/app.ts")],
    bundle: true,
    format: "esm",
    target: "es2022",
    write: false,
    ...(alias ? { alias } : {}),
  });
  return result.outputFiles[0].text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await mkdir(here("./dist/public"), { recursive: true });
  await build({
    entryPoints: [here("./src/server.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    outfile: here("./dist/server.js"),
  });
  await build({ entryPoints: [here("./src/browser/app.ts")], bundle: true, format: "esm", target: "es2022", minify: true, outfile: here("./dist/public/app.js") });
  for (const name of ["index.html", "style.css"]) await copyFile(here(`./public/${name}`), here(`./dist/public/${name}`));
}
