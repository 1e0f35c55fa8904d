import { describe } from "./known-options.js";
import { invalid } from "./validate-options.js";

/** The largest instant a Date can hold. */
const maxClockMs = 8.64e15;

/**
 * When a signature is made and when it expires, from the storage clock.
 * The clock's reading is checked: a clock that returns NaN must not mint
 * URLs with `expires=NaN`.
 */
export function signingTimes(clock: () => number, expiresIn: number): { expiresIn: number; now: Date; expiresAt: Date } {
  const now: unknown = clock();
  if (typeof now !== "number" || !Number.isFinite(now) || now < 0 || now > maxClockMs) {
    throw invalid(`The storage clock returned ${describe(now)}; it must return milliseconds since the epoch, like Date.now()`);
  }
  return { expiresIn, now: new Date(now), expiresAt: new Date(now + expiresIn * 1000) };
}
