// createUploadRoutes mounted as the README shows: Express (by path, before
// express.json()), Hono on @hono/node-server, and a Worker's module `fetch`.
// Each runs a whole upload (create, sign, parts out of order, complete) and
// checks the stored bytes.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import express from "express";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import type { Storage } from "@stowage/core";
import { createSignedUrlHandler, createUploadRoutes, type UploadAuthorize } from "@stowage/http";
import { toNodeListener, type NodeListener } from "@stowage/http/node";
import { digest, mebibyte, patterned, secrets, signedStorage, uploadThrough } from "./upload-routes-helpers.ts";

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const authorize: UploadAuthorize = (request, intent) => {
  if (request.headers.get("authorization") !== "Bearer ann") return new Response("who are you?", { status: 401 });
  if (intent.action === "create") return { key: `ann/${intent.filename}`, maxSize: 64 * mebibyte };
  return intent.key.startsWith("ann/");
};
const signedIn = { authorization: "Bearer ann" };
const bytes = patterned(5 * mebibyte + 4321);

async function expectStored(storage: Storage) {
  const stored = await storage.get("ann/clip.mp4");
  expect(stored?.contentType).toBe("video/mp4");
  expect(digest(await stored!.bytes())).toBe(digest(bytes));
}

describe("the upload routes in frameworks", () => {
  it("Express: mounted by path before express.json(), next to the part handler; the app's JSON routes still parse", async () => {
    let listener: { routes?: NodeListener; files?: NodeListener } = {};
    const app = express();
    app.use("/api/uploads", (req, res) => listener.routes!(req, res));
    app.use("/__storage", (req, res) => listener.files!(req, res));
    app.use(express.json());
    app.post("/api/echo", (req, res) => void res.json(req.body));
    const server = await new Promise<Server>((resolve) => {
      const running = app.listen(0, "127.0.0.1", () => resolve(running));
    });
    servers.push(server);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const storage = signedStorage(base);
    listener = {
      routes: toNodeListener(createUploadRoutes(storage, { secrets, basePath: "/api/uploads", authorize })),
      files: toNodeListener(createSignedUrlHandler(storage, { secrets, basePath: "/__storage" })),
    };

    const { completed } = await uploadThrough(base, bytes, undefined, signedIn);
    expect(completed.status, await completed.clone().text()).toBe(200);
    await expectStored(storage);
    const anonymous = await fetch(`${base}/api/uploads/create`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ filename: "x", contentType: "", size: 1 }),
    });
    expect(anonymous.status).toBe(401);
    const echo = await fetch(`${base}/api/echo`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"a":1}' });
    expect(await echo.json()).toEqual({ a: 1 });
  });

  it("Hono on @hono/node-server: app.post on the routes' path hands c.req.raw over", async () => {
    let routes: ((request: Request) => Promise<Response>) | undefined;
    let files: ((request: Request) => Promise<Response>) | undefined;
    const app = new Hono();
    app.post("/api/uploads/*", (c) => routes!(c.req.raw));
    app.all("/__storage/*", (c) => files!(c.req.raw));
    const base = await new Promise<string>((resolve) => {
      const running = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => resolve(`http://127.0.0.1:${info.port}`));
      servers.push(running as Server);
    });
    const storage = signedStorage(base);
    routes = createUploadRoutes(storage, { secrets, basePath: "/api/uploads", authorize });
    files = createSignedUrlHandler(storage, { secrets, basePath: "/__storage" });

    const { completed } = await uploadThrough(base, bytes, undefined, signedIn);
    expect(completed.status, await completed.clone().text()).toBe(200);
    await expectStored(storage);
  });

  it("a Worker's module fetch: routes and part handler dispatched by path, called with web Requests", async () => {
    // In a Worker the storage would be R2 (gateway mode); the routes only see a Storage.
    const storage = signedStorage("https://uploads.example.workers.dev");
    const routes = createUploadRoutes(storage, { secrets, basePath: "/api/uploads", authorize });
    const files = createSignedUrlHandler(storage, { secrets, basePath: "/__storage" });
    const worker = {
      fetch(request: Request): Promise<Response> {
        const { pathname } = new URL(request.url);
        if (pathname.startsWith("/api/uploads/")) return routes(request);
        if (pathname.startsWith("/__storage/")) return files(request);
        return Promise.resolve(new Response("not found", { status: 404 }));
      },
    };

    const { completed } = await uploadThrough("https://uploads.example.workers.dev", bytes, (request) => worker.fetch(request), signedIn);
    expect(completed.status, await completed.clone().text()).toBe(200);
    await expectStored(storage);
  });
});
