import * as miniflare from "miniflare";
import type { TestProject } from "vitest/node";
import { createKv } from "../src/create-kv.js";
import { kvBinding, type KvNamespaceLike } from "../src/kv-binding.js";

/**
 * Proves that Workers KV (miniflare's simulator, the one behind the binding
 * the tests use) deletes an entry at the native `expiration` kvBinding wrote.
 *
 * Inside the workerd pool no test can move the simulator's time: it runs in
 * its own Durable Object with its own clock (Vitest's fake timers do not reach
 * it: cloudflare/workers-sdk#5394), and the minimum TTL is 60 s. Here, in
 * Node, a private Miniflare has its control endpoints on (an internal
 * miniflare switch, `_enableControlEndpoints`, the one miniflare's own tests
 * use), so the KV object's clock can be faked and advanced. What it observes
 * is handed to native-expiry.test.ts (`inject("nativeExpiry")`), which asserts.
 */
export interface NativeExpiryObservation {
  /** The Kv's clock at the put (the simulator's fake now too). */
  startMs: number;
  /** The exact expiry the Kv computed. */
  expiresAtMs: number;
  /** The entry's native expiration (seconds) as the simulator lists it. */
  listedExpiration: number | null;
  /** Whether the raw entry is still there one millisecond before its native second. */
  presentJustBefore: boolean;
  /** Whether the raw entry is gone (get and list) at its native second. */
  goneAtNative: { get: boolean; list: boolean };
}

declare module "vitest" {
  export interface ProvidedContext {
    nativeExpiry: NativeExpiryObservation | { error: string };
  }
}

interface ControlStub {
  fetch(url: string, init: { cf: unknown }): Promise<{ text(): Promise<string> }>;
}

export default async function setup(project: TestProject): Promise<void> {
  const internal = miniflare as unknown as { _enableControlEndpoints(): void };
  internal._enableControlEndpoints();
  const mf = new miniflare.Miniflare({
    modules: true,
    script: "export default { fetch: () => new Response('') };",
    compatibilityDate: "2026-04-20",
    kvNamespaces: ["KV"],
  });
  try {
    const namespace = (await mf.getKVNamespace("KV")) as unknown as KvNamespaceLike;
    const objects = await (
      mf as unknown as {
        _getInternalDurableObjectNamespace(plugin: string, service: string, className: string): Promise<{
          idFromName(name: string): unknown;
          get(id: unknown): ControlStub;
        }>;
      }
    )._getInternalDurableObjectNamespace("kv", "kv:ns", "KVNamespaceObject");
    const object = objects.get(objects.idFromName("KV"));
    const control = async (name: string, ...args: unknown[]) => {
      await (await object.fetch("http://control/", { cf: { miniflare: { controlOp: { name, args } } } })).text();
    };
    // An instant 400 ms past a whole second, so the native expiration is rounded up.
    const startMs = Math.ceil(Date.now() / 1000) * 1000 + 400;
    let now = startMs;
    await control("enableFakeTimers", now);
    const kv = createKv(kvBinding({ namespace }), { clock: () => now });
    await kv.put("expiring", "v", { ttlSeconds: 60 });
    const expiresAtMs = startMs + 60_000;
    const listedExpiration = (await namespace.list({ prefix: "expiring" })).keys[0]?.expiration ?? null;
    const nativeMs = Math.ceil(expiresAtMs / 1000) * 1000;
    await control("advanceFakeTime", nativeMs - 1 - now);
    now = nativeMs - 1;
    const presentJustBefore = (await namespace.getWithMetadata("expiring", "arrayBuffer")).value !== null;
    await control("advanceFakeTime", 1);
    now = nativeMs;
    const gone = {
      get: (await namespace.getWithMetadata("expiring", "arrayBuffer")).value === null,
      list: (await namespace.list({ prefix: "expiring" })).keys.length === 0,
    };
    project.provide("nativeExpiry", { startMs, expiresAtMs, listedExpiration, presentJustBefore, goneAtNative: gone });
  } catch (error) {
    project.provide("nativeExpiry", { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  } finally {
    await mf.dispose();
  }
}
