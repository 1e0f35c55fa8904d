// Builds the page the Worker serves, dist/assets/ (Workers Static Assets):
// the Node upload app's own index.html, style.css and browser script
// (examples/upload-app/src/browser/app.ts, with @stowage/client bundled from
// its sources). wrangler runs it before `wrangler dev` and `wrangler deploy`
// (wrangler.jsonc "build").
//
// `node build.mjs --dev-vars` also copies .dev.vars.example to .dev.vars when
// .dev.vars is missing (the dev script does this), so `wrangler dev` has a
// development SIGNING_SECRET on a fresh clone.
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { constants } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildBrowserScript } from "../upload-app/build.mjs";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

/** Writes the page into `outDir` (default dist/assets). */
export async function buildAssets(outDir = here("./dist/assets/")) {
  await mkdir(outDir, { recursive: true });
  const script = await buildBrowserScript({ alias: { "@stowage/client": here("../../packages/client/src/index.ts") } });
  await writeFile(new URL("app.js", `file://${outDir.replace(/\/?$/, "/")}`), script);
  for (const name of ["index.html", "style.css"]) await copyFile(here(`../upload-app/public/${name}`), `${outDir.replace(/\/?$/, "/")}${name}`);
  return outDir;
}

/**
 * Copies `.dev.vars.example` to `.dev.vars` in `dir` unless `.dev.vars`
 * exists (it is never overwritten). Returns whether it copied.
 */
export async function ensureDevVars(dir = here("./")) {
  const base = dir.replace(/\/?$/, "/");
  try {
    await copyFile(`${base}.dev.vars.example`, `${base}.dev.vars`, constants.COPYFILE_EXCL);
    return true;
  } catch (error) {
    if (error.code === "EEXIST") return false;
    throw error;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--dev-vars") && (await ensureDevVars())) {
    console.log("Created .dev.vars from .dev.vars.example (a development SIGNING_SECRET; never deployed)");
  }
  await buildAssets();
}
