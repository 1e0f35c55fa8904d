import { describe, expect, it, vi } from "vitest";
import { memoryDriver } from "@stowage/memory";
import type { ObjectInfo, PutBody, PutOptions, StorageDriver } from "@stowage/core";
import { runCase, type ConformanceCase, type DriverFixture } from "@stowage/conformance";
import { brokenDrivers, servedSigningMemory, signingMemoryDriver } from "./broken-drivers.ts";
import { brokenCore, coreFlags } from "./broken-core.ts";
import { mutatedCases, mutationsByCase } from "./mutation-map.ts";

// Some core mutations switch off module functions that `Storage` calls
// directly; a flag on globalThis turns them on for one run.
vi.mock("../../core/src/validate-key.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../core/src/validate-key.ts")>();
  const flags = () => (globalThis as { __stowageCoreFlags?: typeof coreFlags }).__stowageCoreFlags;
  return {
    ...original,
    assertValidKey: (key: unknown, operation?: string) => {
      if (flags()?.skipKeyValidation) return;
      const check: (key: unknown, operation?: string) => void = original.assertValidKey;
      check(key, operation);
    },
  };
});
vi.mock("../../core/src/validate-options.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../core/src/validate-options.ts")>();
  const flags = () => (globalThis as { __stowageCoreFlags?: typeof coreFlags }).__stowageCoreFlags;
  return {
    ...original,
    normalizeEtag: (value: unknown, name: string) => (flags()?.skipEtagNormalization ? value : original.normalizeEtag(value, name)),
    validateMetadata: (metadata: unknown) => {
      if (!flags()?.trimMetadata || typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
        return original.validateMetadata(metadata);
      }
      const trimmed = Object.fromEntries(Object.entries(metadata).map(([name, value]) => [name, typeof value === "string" ? value.trim() : value]));
      return original.validateMetadata(trimmed);
    },
  };
});
vi.mock("../../core/src/known-options.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../core/src/known-options.ts")>();
  const flags = () => (globalThis as { __stowageCoreFlags?: typeof coreFlags }).__stowageCoreFlags;
  return {
    ...original,
    assertKnownOptions: (options: unknown, known: readonly string[], where: string) => {
      const plain = original.isPlainObject(options);
      if (flags()?.acceptAnyOptions && !plain) return;
      // Every key the caller passed counts as known: the real check runs, and unknown keys are dropped.
      const allowed = flags()?.dropUnknownOptions && plain ? [...known, ...Object.keys(options)] : known;
      original.assertKnownOptions(options, allowed, where);
    },
  };
});
vi.mock("../../core/src/abort-signal.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../core/src/abort-signal.ts")>();
  const flags = () => (globalThis as { __stowageCoreFlags?: typeof coreFlags }).__stowageCoreFlags;
  return {
    ...original,
    validateSignal: (value: unknown) => (flags()?.trustAnySignal ? (value as AbortSignal | undefined) : original.validateSignal(value)),
  };
});
vi.mock("../../core/src/delete-prefix.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../core/src/delete-prefix.ts")>();
  const flags = () => (globalThis as { __stowageCoreFlags?: typeof coreFlags }).__stowageCoreFlags;
  return {
    ...original,
    normalizeDeletePrefixOptions: (prefix: unknown, options: Parameters<typeof original.normalizeDeletePrefixOptions>[1]) => {
      const widened = flags()?.deletePrefixEmptyMeansAll && prefix === "" ? { ...options, all: true } : options;
      const request = original.normalizeDeletePrefixOptions(prefix, widened);
      if (flags()?.deletePrefixIgnoresSignal) delete request.signal;
      return request;
    },
    deletePrefix: (driver: StorageDriver, request: Parameters<typeof original.deletePrefix>[1]) => {
      if (!flags()?.deletePrefixOneBatch) return original.deletePrefix(driver, request);
      const oneBatch = Object.create(driver) as StorageDriver;
      oneBatch.list = async (options) => {
        const page = await driver.list(options);
        delete page.cursor;
        return page;
      };
      return original.deletePrefix(oneBatch, request);
    },
  };
});
vi.mock("../../core/src/put-body.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../core/src/put-body.ts")>();
  const flags = () => (globalThis as { __stowageCoreFlags?: typeof coreFlags }).__stowageCoreFlags;
  return {
    ...original,
    withBodyType: (body: PutBody, options: PutOptions) => {
      if (flags()?.ignoreBlobType) return options;
      if (flags()?.blobTypeOverrides && body instanceof Blob && body.type !== "") return { ...options, contentType: body.type };
      return original.withBodyType(body, options);
    },
  };
});
vi.mock("../../core/src/uploaded-parts.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../core/src/uploaded-parts.ts")>();
  const flags = () => (globalThis as { __stowageCoreFlags?: typeof coreFlags }).__stowageCoreFlags;
  return {
    ...original,
    checkUploadedParts: (...args: Parameters<typeof original.checkUploadedParts>) => {
      const [session, ...rest] = args;
      if (!flags()?.skipUploadMaxSize || session.maxSize === undefined) return original.checkUploadedParts(session, ...rest);
      const { maxSize: _maxSize, ...unlimited } = session;
      return original.checkUploadedParts(unlimited, ...rest);
    },
  };
});
vi.mock("../../core/src/async-iterable-stream.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../core/src/async-iterable-stream.ts")>();
  const flags = () => (globalThis as { __stowageCoreFlags?: typeof coreFlags }).__stowageCoreFlags;
  async function* broken(iterable: AsyncIterable<unknown>): AsyncGenerator<unknown> {
    try {
      for await (const chunk of iterable) {
        if (flags()?.iterableWholeBuffers && chunk instanceof Uint8Array) yield new Uint8Array(chunk.buffer);
        else if (flags()?.iterableEncodesStrings && typeof chunk === "string") yield new TextEncoder().encode(chunk);
        else yield chunk;
      }
    } catch (error) {
      if (!flags()?.iterableSwallowsError) throw error;
    }
  }
  return {
    ...original,
    asyncIterableToStream: (iterable: AsyncIterable<unknown>) => original.asyncIterableToStream(broken(iterable)),
  };
});
vi.mock("../../core/src/object-expiry.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../core/src/object-expiry.ts")>();
  const flags = () => (globalThis as { __stowageCoreFlags?: typeof coreFlags }).__stowageCoreFlags;
  // Calls inside the module do not go through the mock, so the functions core calls are rebuilt on the broken ones.
  const isExpired = (info: { metadata: Record<string, string> }, now: number): boolean => {
    if (flags()?.expiryIgnored) return false;
    if (flags()?.expiryOffByOne) return original.isExpired(info, now - 1);
    return original.isExpired(info, now);
  };
  const publicInfo = <T extends ObjectInfo>(info: T): T => (flags()?.expiryFieldShown ? info : original.publicInfo(info));
  return {
    ...original,
    isExpired,
    publicInfo,
    discardExpired: async (result: { info: ObjectInfo; body: ReadableStream<Uint8Array> | Uint8Array }, now: number) => {
      if (!isExpired(result.info, now)) {
        publicInfo(result.info);
        return false;
      }
      if (!(result.body instanceof Uint8Array)) await result.body.cancel().catch(() => {});
      return true;
    },
    withExpiry: (...args: Parameters<typeof original.withExpiry>) => {
      const [options, clock, limit, require, normalize] = args;
      if (flags()?.ttlAsMilliseconds && typeof options.ttlSeconds === "number") {
        const { ttlSeconds, ...rest } = options;
        return original.withExpiry({ ...rest, expiresAt: new Date(clock() + ttlSeconds) }, clock, limit, require, normalize);
      }
      if (!flags()?.skipExpiryValidation) return original.withExpiry(...args);
      try {
        return original.withExpiry(...args);
      } catch {
        return normalize(limit);
      }
    },
    withSourceExpiry: (...args: Parameters<typeof original.withSourceExpiry>) => (flags()?.copyDropsExpiry ? args[1] : original.withSourceExpiry(...args)),
  };
});
vi.mock("../../core/src/expiring-list.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../core/src/expiring-list.ts")>();
  const flags = () => (globalThis as { __stowageCoreFlags?: typeof coreFlags }).__stowageCoreFlags;
  return {
    ...original,
    listVisible: async (driver: StorageDriver, options: Parameters<typeof original.listVisible>[1], now: () => number) => {
      if (!flags()?.listNoRefill) return original.listVisible(driver, options, now);
      // One driver page: no further page can refill it.
      const onePage = Object.create(driver) as StorageDriver;
      onePage.list = async (listOptions) => {
        const page = await driver.list(listOptions);
        return { objects: page.objects, prefixes: page.prefixes };
      };
      const cursor = (await driver.list(options)).cursor;
      const page = await original.listVisible(onePage, options, now);
      return cursor === undefined ? page : { ...page, cursor };
    },
    sweepExpired: (driver: StorageDriver, request: Parameters<typeof original.sweepExpired>[1], now: () => number) => {
      let target = driver;
      if (flags()?.sweepUnconditional) {
        target = Object.create(driver) as StorageDriver;
        target.delete = (keys, options) => driver.delete(keys, { ...(options.signal === undefined ? {} : { signal: options.signal }) });
      }
      const clock = flags()?.sweepClockAhead ? () => now() + 365 * 24 * 3600 * 1000 : now;
      return original.sweepExpired(target, request, clock);
    },
  };
});
(globalThis as { __stowageCoreFlags?: typeof coreFlags }).__stowageCoreFlags = coreFlags;

const perRunTimeout = 10_000;

/** Runs a case; resolves with the failure, or undefined when the case passed. */
async function outcome(conformanceCase: ConformanceCase, fixture: DriverFixture): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), perRunTimeout);
  });
  try {
    const result = await Promise.race([runCase(conformanceCase, fixture).then(() => "passed" as const), timeout]);
    if (result === "passed") return undefined;
    return new Error(`did not finish within ${perRunTimeout} ms`);
  } catch (error) {
    return error ?? new Error("rejected with nothing");
  } finally {
    clearTimeout(timer);
    await fixture.close?.();
  }
}

/**
 * The real memory driver a case runs on: with signing when the case needs it
 * (the combination cases only mint URLs; the signing and upload-session cases
 * checked here are served in process by @stowage/http's handler).
 */
function baseline(conformanceCase: ConformanceCase): DriverFixture {
  if (conformanceCase.name.startsWith("signing:") || conformanceCase.name.startsWith("uploads:")) return servedSigningMemory();
  if (conformanceCase.name.startsWith("expiry:") && conformanceCase.requires.includes("signGet")) return servedSigningMemory();
  return { driver: conformanceCase.requires.includes("signPut") ? signingMemoryDriver() : memoryDriver() };
}

async function runMutated(conformanceCase: ConformanceCase, mutation: string): Promise<unknown> {
  const driverMutation = brokenDrivers[mutation];
  if (driverMutation !== undefined) return outcome(conformanceCase, driverMutation());
  const corePatch = brokenCore[mutation];
  if (corePatch === undefined) throw new Error(`unknown mutation ${mutation}`);
  const restore = corePatch();
  try {
    return await outcome(conformanceCase, baseline(conformanceCase));
  } finally {
    restore();
  }
}

describe("every conformance case can fail", () => {
  it("maps every non-signing case to at least one mutation, and every mutation is used", () => {
    const unmapped = mutatedCases.filter((each) => !(mutationsByCase[each.name]?.length));
    expect(unmapped.map((each) => each.name)).toEqual([]);
    const names = new Set(mutatedCases.map((each) => each.name));
    expect(Object.keys(mutationsByCase).filter((name) => !names.has(name))).toEqual([]);
    const used = new Set(Object.values(mutationsByCase).flat());
    const all = [...Object.keys(brokenDrivers), ...Object.keys(brokenCore)];
    expect(all.filter((name) => !used.has(name))).toEqual([]);
    expect([...used].filter((name) => !all.includes(name))).toEqual([]);
  });

  for (const conformanceCase of mutatedCases) {
    const mutations = mutationsByCase[conformanceCase.name] ?? [];
    it(conformanceCase.name, async () => {
      const passed = await outcome(conformanceCase, baseline(conformanceCase));
      expect(passed, "the case passes on the memory driver").toBeUndefined();
      const survived: string[] = [];
      for (const mutation of mutations) {
        const failure = await runMutated(conformanceCase, mutation);
        if (failure === undefined) survived.push(mutation);
        else if (process.env.STOWAGE_MUTATION_LOG) console.log(`[${mutation}] ${conformanceCase.name}\n    ${String(failure).split("\n")[0]}`);
      }
      expect(survived, "mutations the case did not catch").toEqual([]);
    }, 120_000);
  }
});
