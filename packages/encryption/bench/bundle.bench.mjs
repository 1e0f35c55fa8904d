// Bundle size of the encrypted R2 Worker: @stowage/core + @stowage/r2 +
// @stowage/encryption, against the same Worker without encryption (core +
// r2), measured in this same run (built dist: `pnpm bench encryption` builds
// first). Each Worker is bundled with esbuild as `wrangler deploy` would
// (ESM, browser platform, minified), then gzipped (level 9), as in
// packages/r2/bench/bundle.bench.mjs. The packages resolve from
// examples/worker-r2, the Worker that depends on all three.
//
// Budget: the encryption delta is at most 6 KB gzipped on the gateway Worker
// (@stowage/http's signed-URL handler + HMAC signing), the shape of every
// encrypted Worker that serves browsers: on an encrypted storage signed URLs
// go through the gateway only. The bare storage pair is printed too; its
// delta also carries core's HMAC signer (createHmacSigner, toUrlSigner),
// which withEncryption imports for its `signing` option and which the
// gateway Worker has anyway.
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const resolveDir = fileURLToPath(new URL("../../../examples/worker-r2/", import.meta.url));
const budget = 6 * 1024;

const storageWorker = (encrypted) => `
  import { createStorage } from "@stowage/core";
  import { r2Driver } from "@stowage/r2";
  ${encrypted ? 'import { keyringFromEnvironment, withEncryption } from "@stowage/encryption";' : ""}
  export default {
    async fetch(request, env) {
      const driver = r2Driver({ bucket: env.BUCKET });
      const storage = createStorage(${encrypted ? "withEncryption(driver, { keyring: keyringFromEnvironment(env.STORAGE_ENCRYPTION_KEYS) })" : "driver"});
      const key = new URL(request.url).pathname.slice(1);
      if (request.method === "PUT") {
        const info = await storage.put(key, request.body, { contentType: request.headers.get("content-type") ?? undefined });
        return Response.json(info);
      }
      if (key === "") return Response.json(await storage.list({ limit: 100 }));
      const object = await storage.get(key);
      return object ? new Response(object.body, { headers: { etag: object.etag } }) : new Response("not found", { status: 404 });
    },
  };`;

const gatewayWorker = (encrypted) => `
  import { createStorage, createHmacSigner } from "@stowage/core";
  import { createSignedUrlHandler } from "@stowage/http";
  import { r2Driver, r2NonceStore } from "@stowage/r2";
  ${encrypted ? 'import { keyringFromEnvironment, withEncryption } from "@stowage/encryption";' : ""}
  export default {
    async fetch(request, env) {
      const secrets = [{ id: "k1", secret: env.SECRET }];
      const baseUrl = "https://files.example.com/__storage";
      const storage = createStorage(${
        encrypted
          ? "withEncryption(r2Driver({ bucket: env.BUCKET }), { keyring: keyringFromEnvironment(env.STORAGE_ENCRYPTION_KEYS), signing: { secrets, baseUrl } })"
          : "r2Driver({ bucket: env.BUCKET, signing: createHmacSigner({ secrets, baseUrl }) })"
      });
      const url = new URL(request.url);
      if (url.pathname.startsWith("/__storage/")) {
        return createSignedUrlHandler(storage, { secrets, basePath: "/__storage", nonceStore: r2NonceStore(env.BUCKET) })(request);
      }
      return Response.json(await storage.signPut("uploads/x", { maxSize: 1000000, oneTime: true }));
    },
  };`;

async function measure(source) {
  const result = await build({
    stdin: { contents: source, resolveDir, loader: "js", sourcefile: "worker.js" },
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    // The built packages (dist), as an app gets them: no tsconfig paths to sources.
    tsconfigRaw: {},
    minify: true,
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

const kb = (bytes) => `${(bytes / 1024).toFixed(2)} KB`;
const pairs = [
  ["core + r2", storageWorker, false],
  ["core + r2 + gateway (@stowage/http)", gatewayWorker, true],
];
console.log("Worker bundle (esbuild, minified, gzip -9): with and without @stowage/encryption");
console.log(`${"worker".padEnd(38)} ${"plain min".padStart(10)} ${"plain gz".padStart(10)} ${"+enc min".padStart(10)} ${"+enc gz".padStart(10)} ${"delta gz".padStart(10)} ${"budget".padStart(8)}`);
let over = false;
for (const [name, worker, budgeted] of pairs) {
  const plain = await measure(worker(false));
  const encrypted = await measure(worker(true));
  const delta = encrypted.gzipped - plain.gzipped;
  if (budgeted && delta > budget) over = true;
  console.log(
    `${name.padEnd(38)} ${kb(plain.minified).padStart(10)} ${kb(plain.gzipped).padStart(10)} ${kb(encrypted.minified).padStart(10)} ${kb(encrypted.gzipped).padStart(10)} ${kb(delta).padStart(10)} ${(budgeted ? (delta <= budget ? "within" : "OVER") : "(info)").padStart(8)}`,
  );
}
console.log(`encryption delta budget (gateway Worker): ${kb(budget)} gzipped${over ? " (OVER)" : ""}`);
if (over) process.exitCode = 1;
