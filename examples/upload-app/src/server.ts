// `node dist/server.js`: the upload app over STORAGE_URL (default file:./data).
//   STORAGE_URL   memory://, file:./data, s3://bucket?region=…&endpoint=…&forcePathStyle=true
//   PORT, HOST    default 3000 (or a free port if taken), 127.0.0.1
//   PUBLIC_URL    the origin browsers use, behind a proxy
//   APP_SECRET    signs cookies and fs/memory upload URLs; default random per start
//   FLAGS_TOKEN   authorizes PUT /api/flags (Authorization: Bearer …); without it flags are read-only
import { readFile } from "node:fs/promises";
import { startUploadApp } from "./start-upload-app.js";
import type { Asset } from "./upload-app.js";

const publicDir = new URL("./public/", import.meta.url);

async function loadAssets(): Promise<Record<string, Asset>> {
  const read = (name: string) => readFile(new URL(name, publicDir), "utf8");
  return {
    "/": { body: await read("index.html"), type: "text/html; charset=utf-8" },
    "/app.js": { body: await read("app.js"), type: "text/javascript; charset=utf-8" },
    "/style.css": { body: await read("style.css"), type: "text/css; charset=utf-8" },
  };
}

const env = process.env;
const storageUrl = env.STORAGE_URL || "file:./data";
const assets = await loadAssets();
const base = { storageUrl, assets, host: env.HOST || "127.0.0.1", ...(env.PUBLIC_URL ? { publicUrl: env.PUBLIC_URL } : {}), ...(env.APP_SECRET ? { secret: env.APP_SECRET } : {}), ...(env.FLAGS_TOKEN ? { flagsToken: env.FLAGS_TOKEN } : {}) };
let app;
try {
  app = await startUploadApp({ ...base, port: Number(env.PORT || 3000) });
} catch (error) {
  if ((error as { code?: string }).code !== "EADDRINUSE" || env.PORT) throw error;
  app = await startUploadApp({ ...base, port: 0 });
}
const shown = storageUrl.replace(/\/\/[^/@?]*@/, "//***@");
console.log(`Upload app on ${app.storage.driver.name} (STORAGE_URL=${shown})`);
console.log(`Open ${app.url}`);
const stop = () => void app.close().then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
