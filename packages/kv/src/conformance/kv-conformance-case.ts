import type { Kv } from "../kv.js";

/** What `KvFixture.create` receives. */
export interface KvCreateOptions {
  /** The clock every Kv of one case shares (and the Storage under it, where there is one). */
  clock: () => number;
  /** A prefix (ending in "/") only this case uses. */
  prefix: string;
  /** The Kv's read cache TTL (0: off). */
  cacheTtlSeconds: number;
  /** The Kv's default TTL. */
  ttlSeconds?: number;
}

/** What a backend package hands the KV suite. */
export interface KvFixture {
  /**
   * A fresh Kv over the fixture's shared namespace. Two calls with the same
   * prefix are two processes over the same data: each has its own cache.
   */
  create(options: KvCreateOptions): Kv;
  /** Releases what the fixture holds. */
  close?: () => Promise<void>;
}

/** Options of `describeKvConformance`. */
export interface KvSuiteOptions {
  /** Shown in the test names, such as "memory" or "workers-kv (workerd)". */
  name: string;
  create: () => Promise<KvFixture> | KvFixture;
  /** Case names to skip, each with the reason printed. */
  skip?: Record<string, string>;
  /** Per-case timeout in milliseconds (default 60 s). */
  timeout?: number;
}

/** A clock the case moves by hand. */
export interface TestClock {
  /** Milliseconds since the epoch, as the Kvs see it. */
  now(): number;
  /** Moves the clock forward. */
  advance(seconds: number): void;
}

/** What a case receives. */
export interface KvCaseContext {
  clock: TestClock;
  /** The case's prefix. */
  prefix: string;
  /** A new Kv (a new "process", with its own cache) over the case's data. */
  kv(options?: { cacheTtlSeconds?: number; ttlSeconds?: number }): Kv;
  fixture: KvFixture;
}

/** A feature a case needs; the case is skipped where the backend lacks it. */
export type KvFeature = "sweep";

/** One check of the KV specification, runnable by any test runner. */
export interface KvConformanceCase {
  /** `"<area>: <behaviour>"`, unique. */
  name: string;
  requires: KvFeature[];
  timeout?: number;
  run(context: KvCaseContext): Promise<void>;
}

/** Identity helper that type-checks a case. */
export function defineKvCase(definition: KvConformanceCase): KvConformanceCase {
  return definition;
}
