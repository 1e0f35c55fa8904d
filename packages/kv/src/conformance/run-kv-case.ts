import type { KvCaseContext, KvConformanceCase, KvFixture, TestClock } from "./kv-conformance-case.js";

let counter = 0;

/** A prefix unique to one case run, so cases can share a real namespace or bucket. */
export function uniqueKvPrefix(caseName: string): string {
  const slug = caseName.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 32);
  return `kv-conformance/${slug}-${(counter++).toString(36)}${Math.random().toString(36).slice(2, 10)}/`;
}

/** A hand-moved clock starting at the next whole second of real time (never behind it). */
export function createTestClock(start = Math.ceil(Date.now() / 1000) * 1000): TestClock {
  let now = start;
  return {
    now: () => now,
    advance(seconds) {
      now += seconds * 1000;
    },
  };
}

/** The features a case needs that the fixture lacks. */
export function missingKvFeatures(kvCase: KvConformanceCase, fixture: KvFixture): string[] {
  const probe = fixture.create({ clock: Date.now, prefix: uniqueKvPrefix("probe"), cacheTtlSeconds: 0 });
  return kvCase.requires.filter((feature) => feature === "sweep" && !probe.sweepSupported);
}

/** Runs one case against a fixture; throws when it fails. */
export async function runKvCase(kvCase: KvConformanceCase, fixture: KvFixture): Promise<void> {
  const prefix = uniqueKvPrefix(kvCase.name);
  const clock = createTestClock();
  const context: KvCaseContext = {
    clock,
    prefix,
    kv: (options = {}) =>
      fixture.create({
        clock: clock.now,
        prefix,
        cacheTtlSeconds: options.cacheTtlSeconds ?? 0,
        ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }),
      }),
    fixture,
  };
  await kvCase.run(context);
}
