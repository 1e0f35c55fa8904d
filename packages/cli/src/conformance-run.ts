import { conformanceCases, missingCapabilities, runCase, type ConformanceCase, type DriverFixture } from "@stowage/conformance";

/** What happened to one conformance case. */
export interface CaseResult {
  /** The case's name (`"<area>: <behaviour>"`). */
  name: string;
  /** `skipped`: the driver lacks a capability the case needs; `not run`: Ctrl-C came first. */
  status: "passed" | "failed" | "skipped" | "not run";
  /** Milliseconds the case took (0 when it did not run). */
  durationMs: number;
  /** Why it failed, or why it was skipped. */
  reason?: string;
  /** The capabilities the driver lacks, for a case skipped by capability. */
  missing?: string[];
}

/** How `runConformanceCases` runs. */
export interface ConformanceRunOptions {
  /** The cases to run (default: every case of `@stowage/conformance`). */
  cases?: readonly ConformanceCase[];
  /**
   * The fixture for the cases that need the whole 1,024-byte key length, which
   * a scratch prefix would eat into (default: `fixture`).
   */
  unscopedFixture?: DriverFixture;
  /** Cases to report as skipped without running, each with its reason (the adapters' `skip`). */
  skip?: ReadonlyMap<string, string>;
  /** Per-case timeout in milliseconds when the case names none (default 60 s). */
  timeoutMs?: number;
  /**
   * Stops before the next case; the rest are `not run`. The running case gets
   * `interruptGraceMs` (default 10 s) to finish first, then is abandoned.
   */
  signal?: AbortSignal;
  interruptGraceMs?: number;
  /** Called before each case starts. */
  onStart?: (conformanceCase: ConformanceCase, index: number, total: number) => void;
  /** Called with each result as it is known. */
  onResult?: (result: CaseResult, index: number, total: number) => void;
}

/**
 * Cases that need a key of the full 1,024 bytes: under a scratch prefix the
 * key would be too long, so they run on the storage itself (their keys are
 * recorded and deleted afterwards).
 */
export const fullKeyLengthCases: ReadonlySet<string> = new Set(["keys: a 1024-byte key round-trips"]);

/**
 * Selects cases by `--only` patterns: a pattern written `/regex/flags` is a
 * regular expression, anything else a case-insensitive substring of the name.
 * A case is kept when any pattern matches; no patterns keep every case.
 */
export function selectCases(patterns: readonly string[], cases: readonly ConformanceCase[] = conformanceCases): ConformanceCase[] {
  if (patterns.length === 0) return [...cases];
  const tests = patterns.map(namePattern);
  return cases.filter((conformanceCase) => tests.some((test) => test(conformanceCase.name)));
}

/** A `--only` / `--skip` pattern as a test of a case name. */
export function namePattern(pattern: string): (name: string) => boolean {
  const regex = /^\/(.+)\/([a-z]*)$/.exec(pattern);
  if (regex !== null) {
    const expression = new RegExp(regex[1]!, regex[2]);
    return (name: string) => expression.test(name);
  }
  const needle = pattern.toLowerCase();
  return (name: string) => name.toLowerCase().includes(needle);
}

/** One line of an error: a StorageError's code first, then the message. */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const prefix = typeof code === "string" && !error.message.startsWith(code) ? `${code}: ` : "";
    return `${prefix}${error.message}`;
  }
  return String(error);
}

/**
 * Waits for a case, up to its timeout. After Ctrl-C the running case is given
 * `graceMs` more to finish (so it stops writing before the cleanup deletes
 * the scratch prefix), then abandoned.
 */
function withTimeout(promise: Promise<void>, milliseconds: number, signal: AbortSignal | undefined, graceMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let grace: ReturnType<typeof setTimeout> | undefined;
    const timer = setTimeout(() => reject(new Error(`timed out after ${milliseconds} ms`)), milliseconds);
    const onAbort = () => {
      grace = setTimeout(() => reject(new Error("interrupted")), graceMs);
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      clearTimeout(grace);
      signal?.removeEventListener("abort", onAbort);
    });
  });
}

/**
 * Runs conformance cases one after another against a fixture, as the vitest
 * and node:test adapters do: a case whose capabilities the driver lacks is
 * skipped with the missing ones named, any other is run by `runCase` and
 * passes or fails with the error's message.
 */
export async function runConformanceCases(fixture: DriverFixture, options: ConformanceRunOptions = {}): Promise<CaseResult[]> {
  const cases = options.cases ?? conformanceCases;
  const results: CaseResult[] = [];
  for (const [index, conformanceCase] of cases.entries()) {
    let result: CaseResult;
    if (options.signal?.aborted) {
      result = { name: conformanceCase.name, status: "not run", durationMs: 0 };
    } else {
      const target = fullKeyLengthCases.has(conformanceCase.name) ? (options.unscopedFixture ?? fixture) : fixture;
      const missing = missingCapabilities(conformanceCase, target);
      const skipReason = options.skip?.get(conformanceCase.name);
      if (skipReason !== undefined) {
        result = { name: conformanceCase.name, status: "skipped", durationMs: 0, reason: skipReason };
      } else if (missing.length > 0) {
        result = { name: conformanceCase.name, status: "skipped", durationMs: 0, reason: `needs capability ${missing.join(", ")}`, missing };
      } else {
        options.onStart?.(conformanceCase, index, cases.length);
        const started = performance.now();
        try {
          const timeout = conformanceCase.timeout ?? options.timeoutMs ?? 60_000;
          await withTimeout(runCase(conformanceCase, target), timeout, options.signal, options.interruptGraceMs ?? 10_000);
          result = { name: conformanceCase.name, status: "passed", durationMs: Math.round(performance.now() - started) };
        } catch (error) {
          const durationMs = Math.round(performance.now() - started);
          result = options.signal?.aborted
            ? { name: conformanceCase.name, status: "not run", durationMs, reason: `interrupted (${describeFailure(error)})` }
            : { name: conformanceCase.name, status: "failed", durationMs, reason: describeFailure(error) };
        }
      }
    }
    results.push(result);
    options.onResult?.(result, index, cases.length);
  }
  return results;
}
