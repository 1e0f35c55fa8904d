import type { CapabilityName, Storage, StorageDriver, StorageOptions } from "@stowage/core";

/** What a driver package hands the suite. */
export interface DriverFixture {
  driver: StorageDriver;
  /**
   * How an unauthenticated client reaches signed URLs. Defaults to the global
   * `fetch` (real HTTP). A Worker gateway passes its fetch handler here.
   */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * Lists every file under the driver's storage area that is not a live
   * object (temporary or partial files), for drivers that have such a thing.
   * Cases use it to check that a failed write left nothing behind.
   */
  leftovers?: () => Promise<string[]>;
  /** Releases what the fixture holds (servers, directories). */
  close?: () => Promise<void>;
}

export interface SuiteOptions {
  /** Shown in the test names, such as "memory" or "s3 (ceph-rgw)". */
  name: string;
  /** Creates the driver once for the whole suite. */
  create: () => Promise<DriverFixture> | DriverFixture;
  /** Case names to skip, each with the reason printed. Prefer capabilities. */
  skip?: Record<string, string>;
  /** Per-case timeout in milliseconds (default 60 s). */
  timeout?: number;
}

/** What a case receives. */
export interface CaseContext {
  /** A Storage over the fixture's driver. */
  storage: Storage;
  /** A fresh random prefix (ending in "/") that only this case uses. */
  prefix: string;
  /** `prefix + name`. */
  key(name: string): string;
  /** Another Storage over the same driver, for example with an injected clock. */
  createStorage(options?: StorageOptions): Storage;
  /** The unauthenticated client for signed URLs. */
  fetch(request: Request): Promise<Response>;
  fixture: DriverFixture;
}

/** One check of the specification, runnable by any test runner. */
export interface ConformanceCase {
  /** `"<area>: <behaviour>"`, unique. */
  name: string;
  /** Every capability the case needs; the case is skipped when one is off. */
  requires: CapabilityName[];
  /** Milliseconds; defaults to the suite's timeout. */
  timeout?: number;
  run(context: CaseContext): Promise<void>;
}

/** Identity helper that type-checks a case. */
export function defineCase(definition: ConformanceCase): ConformanceCase {
  return definition;
}
