// Bundle size of a Worker that uses @stowage/core and @stowage/r2 (built dist:
// `pnpm bench r2` builds first). Each Worker is bundled with esbuild as
// `wrangler deploy` would (ESM, browser platform, minified), then gzipped
// (level 9). Target: the core + r2 Worker is at most 10 KB gzipped.
// The baseline is a Worker doing the same calls on the bare binding.
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const budget = 10 * 1024;

const workers = {
  "bare binding (baseline)": `
    export default {
      async fetch(request, env) {
        const key = new URL(request.url).pathname.slice(1);
        if (request.method === "PUT") {
          const object = await env.BUCKET.put(key, request.body, { httpMetadata: { contentType: request.headers.get("content-type") ?? "application/octet-stream" } });
          return Response.json({ etag: object.etag, size: object.size });
        }
        if (key === "") return Response.json(await env.BUCKET.list({ limit: 100, include: ["httpMetadata", "customMetadata"] }));
        const object = await env.BUCKET.get(key);
        return object ? new Response(object.body, { headers: { etag: object.httpEtag } }) : new Response("not found", { status: 404 });
      },
    };`,
  "core + r2": `
    import { createStorage } from "@stowage/core";
    import { r2Driver } from "@stowage/r2";
    export default {
      async fetch(request, env) {
        const storage = createStorage(r2Driver({ bucket: env.BUCKET }));
        const key = new URL(request.url).pathname.slice(1);
        if (request.method === "PUT") {
          const info = await storage.put(key, request.body, { contentType: request.headers.get("content-type") ?? undefined });
          return Response.json(info);
        }
        if (key === "") return Response.json(await storage.list({ limit: 100 }));
        const object = await storage.get(key);
        return object ? new Response(object.body, { headers: { etag: object.etag } }) : new Response("not found", { status: 404 });
      },
    };`,
  "core + r2 + native presign": `
    import { createStorage } from "@stowage/core";
    import { r2Driver, r2Presigner } from "@stowage/r2";
    export default {
      async fetch(request, env) {
        const signing = r2Presigner({ accountId: env.ACCOUNT_ID, bucketName: "b", accessKeyId: env.KEY_ID, secretAccessKey: env.SECRET });
        const storage = createStorage(r2Driver({ bucket: env.BUCKET, signing }));
        const key = new URL(request.url).pathname.slice(1);
        return Response.json(await storage.signPut(key, { contentType: "image/png" }));
      },
    };`,
  "core + r2 + gateway (@stowage/http)": `
    import { createStorage, createHmacSigner } from "@stowage/core";
    import { createSignedUrlHandler } from "@stowage/http";
    import { r2Driver, r2NonceStore } from "@stowage/r2";
    export default {
      async fetch(request, env) {
        const secrets = [{ id: "k1", secret: env.SECRET }];
        const storage = createStorage(r2Driver({ bucket: env.BUCKET, signing: createHmacSigner({ secrets, baseUrl: "https://files.example.com/__storage" }) }));
        const url = new URL(request.url);
        if (url.pathname.startsWith("/__storage/")) {
          return createSignedUrlHandler(storage, { secrets, basePath: "/__storage", nonceStore: r2NonceStore(env.BUCKET) })(request);
        }
        return Response.json(await storage.signPut("uploads/x", { maxSize: 1000000, oneTime: true }));
      },
    };`,
};

async function measure(source) {
  const result = await build({
    stdin: { contents: source, resolveDir: packageDir, loader: "js", sourcefile: "worker.js" },
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    // The built packages (dist), as an app gets them: no tsconfig paths to sources.
    tsconfigRaw: {},
    minify: true,
    // A Worker project installs only the packages it uses; keep the Node-only
    // drivers out even if something in the graph reaches for them.
    external: ["@stowage/fs", "@stowage/s3", "@stowage/memory", "node:*"],
    write: false,
    logLevel: "silent",
  });
  const bytes = result.outputFiles[0].contents;
  const text = new TextDecoder().decode(bytes);
  for (const name of ["@stowage/fs", "@stowage/s3", "node:"]) {
    if (text.includes(name)) throw new Error(`the bundle still refers to ${name}`);
  }
  return { minified: bytes.byteLength, gzipped: gzipSync(bytes, { level: 9 }).byteLength };
}

const rows = [];
let baseline;
for (const [name, source] of Object.entries(workers)) {
  const size = await measure(source);
  baseline ??= size.gzipped;
  rows.push({ name, ...size });
}

const kb = (bytes) => `${(bytes / 1024).toFixed(2)} KB`;
console.log("Worker bundle (esbuild, minified, gzip -9)");
console.log(`${"worker".padEnd(38)} ${"minified".padStart(10)} ${"gzipped".padStart(10)} ${"vs bare".padStart(9)}`);
for (const row of rows) {
  console.log(
    `${row.name.padEnd(38)} ${kb(row.minified).padStart(10)} ${kb(row.gzipped).padStart(10)} ${`${(row.gzipped / baseline).toFixed(1)}x`.padStart(9)}`,
  );
}
const main = rows.find((row) => row.name === "core + r2");
const verdict = main.gzipped <= budget ? "within" : "OVER";
console.log(`core + r2: ${kb(main.gzipped)} gzipped, ${verdict} the 10 KB budget`);
if (main.gzipped > budget) process.exitCode = 1;
