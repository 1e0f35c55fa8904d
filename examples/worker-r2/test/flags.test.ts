// Feature flags on Workers KV inside workerd: the upload app's own module
// (examples/upload-app/src/feature-flags.ts) through the Worker's fetch
// handler over the CONFIG binding from wrangler.jsonc, and the same routes
// over kvBinding with an injected clock to show the TTL without sleeping.
import { env } from "cloudflare:workers";
import { createKv, kvBinding } from "@stowage/kv";
import { describe, expect, it } from "vitest";
import { createFlagRoutes } from "../../upload-app/src/feature-flags.ts";
import worker, { type Env } from "../src/worker.ts";

const workerEnv = env as unknown as Env;
const origin = "https://uploads.example.com";
const token = "test-flags-token"; // vitest.config.ts binds FLAGS_TOKEN

interface FlagsBody {
  flags: Record<string, boolean>;
  stored: boolean;
  expiresAt: string | null;
  error?: { code: string; message: string };
}

async function flags(method: "GET" | "PUT", body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: FlagsBody }> {
  const init: RequestInit = { method, headers: { "content-type": "application/json", ...headers } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await worker.fetch(new Request(`${origin}/api/flags`, init), workerEnv);
  return { status: response.status, body: (await response.json()) as FlagsBody };
}
const bearer = { authorization: `Bearer ${token}` };

describe("worker-r2: feature flags on Workers KV (GET/PUT /api/flags)", () => {
  it("round trip: nothing stored reads as defaults; a PUT with the token stores the flags in the CONFIG namespace with a TTL; GET reads them back", async () => {
    const before = await flags("GET");
    expect(before).toEqual({ status: 200, body: { flags: {}, stored: false, expiresAt: null } });

    const startedAt = Date.now();
    const put = await flags("PUT", { flags: { newUploader: true, darkMode: false }, ttlSeconds: 600 }, bearer);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({ flags: { newUploader: true, darkMode: false }, stored: true });
    const expiresAt = Date.parse(put.body.expiresAt!);
    expect(expiresAt).toBeGreaterThanOrEqual(startedAt + 600_000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 600_000 + 1000);

    expect((await flags("GET")).body).toEqual(put.body);
    // In the namespace itself: under config/, with Workers KV's native expiration (epoch seconds).
    const listed = await workerEnv.CONFIG!.list({ prefix: "config/" });
    expect(listed.keys.map((key) => key.name)).toEqual(["config/flags"]);
    expect(listed.keys[0]!.expiration).toBe(Math.ceil(expiresAt / 1000));
    expect(JSON.parse((await workerEnv.CONFIG!.get("config/flags"))!)).toEqual({ flags: { newUploader: true, darkMode: false } });
  });

  it("refuses a PUT without the token, with a wrong token, with non-boolean flags, and with a TTL under Workers KV's 60 s, leaving the stored flags alone", async () => {
    const stored = await flags("PUT", { flags: { kept: true }, ttlSeconds: 300 }, bearer);
    expect(stored.status).toBe(200);

    const refusals: [unknown, Record<string, string>, number, string][] = [
      [{ flags: { kept: false } }, {}, 401, "Unauthorized"],
      [{ flags: { kept: false } }, { authorization: "Bearer not-the-token" }, 401, "Unauthorized"],
      [{ flags: { kept: "yes" } }, bearer, 400, "InvalidFlags"],
      [{ flags: ["kept"] }, bearer, 400, "InvalidFlags"],
      [{ flags: { "bad name": true } }, bearer, 400, "InvalidFlags"],
      [{ flags: { kept: false }, ttlSeconds: 30 }, bearer, 400, "InvalidTtl"],
    ];
    for (const [body, headers, status, code] of refusals) {
      const refused = await flags("PUT", body, headers);
      expect(refused.status, JSON.stringify(body)).toBe(status);
      expect(refused.body.error?.code, JSON.stringify(body)).toBe(code);
    }
    expect((await flags("GET")).body).toEqual(stored.body);
  });

  it("without a CONFIG binding /api/flags is not mounted (404) and the upload app still answers", async () => {
    const withoutConfig: Env = { ...workerEnv, CONFIG: undefined };
    const response = await worker.fetch(new Request(`${origin}/api/flags`), withoutConfig);
    expect(response.status).toBe(404);
    expect((await worker.fetch(new Request(`${origin}/api/me`), withoutConfig)).status).toBe(401);
  });

  it("the same routes over kvBinding with an injected clock: the flags read as the defaults once the TTL has passed, without sleeping", async () => {
    let now = Date.now();
    const kv = createKv(kvBinding({ namespace: workerEnv.CONFIG! }), { prefix: "clock-test/", cacheTtlSeconds: 5, clock: () => now });
    const routes = createFlagRoutes(kv, { authorize: () => true, defaults: { newUploader: false } });
    const call = async (init?: RequestInit) => (await (await routes(new Request(`${origin}/api/flags`, init))).json()) as FlagsBody;

    const put = await call({ method: "PUT", body: JSON.stringify({ flags: { newUploader: true }, ttlSeconds: 60 }) });
    expect(put).toEqual({ flags: { newUploader: true }, stored: true, expiresAt: new Date(now + 60_000).toISOString() });
    now += 59_000;
    expect(await call()).toMatchObject({ flags: { newUploader: true }, stored: true });
    now += 1_000; // exactly at expiresAt: expired
    expect(await call()).toEqual({ flags: { newUploader: false }, stored: false, expiresAt: null });
  });
});
