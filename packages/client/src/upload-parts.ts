import { classifyAnswer, readJsonEtag, unquoteEtag } from "./classify-response.js";
import type { PartTransport } from "./part-transport.js";
import type { PartUrlSigner } from "./part-url-signer.js";
import { backoffDelay, isRetryableStatus, type RetryPolicy } from "./retry-policy.js";
import type { UploadControl } from "./upload-control.js";
import { UploadError } from "./upload-error.js";
import type { ProgressTracker } from "./upload-file-progress.js";

/** What the part workers need. */
export interface PartsRun {
  file: Blob;
  partSize: number;
  /** Part numbers still to upload, in order; workers take from the front. */
  queue: number[];
  /** partNumber -> etag (unquoted), filled as parts are stored. */
  done: Map<number, string>;
  concurrency: number;
  signer: PartUrlSigner;
  transport: PartTransport;
  control: UploadControl;
  tracker: ProgressTracker;
  retry: RetryPolicy;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  now: () => number;
}

/**
 * Errors that a later try (a retry now, or a resumed upload later) may
 * heal: the session is kept, so that uploading the same file again resumes.
 */
export const healable = new WeakSet<object>();

/**
 * Uploads the queued parts with at most `concurrency` in flight. Resolves
 * when all are stored; on a failure that will not heal (or retries used
 * up) it halts the other workers, which abort their parts, and rejects.
 */
export async function uploadParts(run: PartsRun): Promise<void> {
  const workers: Promise<void>[] = [];
  for (let index = 0; index < Math.min(run.concurrency, Math.max(1, run.queue.length)); index++) workers.push(worker(run));
  const results = await Promise.allSettled(workers);
  if (run.control.halted) throw run.control.reason;
  for (const result of results) if (result.status === "rejected") throw result.reason;
}

async function worker(run: PartsRun): Promise<void> {
  for (;;) {
    await run.control.ready();
    const partNumber = run.queue.shift();
    if (partNumber === undefined) return;
    try {
      await uploadPart(run, partNumber);
    } catch (error) {
      run.control.halt(error);
      throw error;
    }
  }
}

/** Bytes of part `partNumber` (1-based). */
export function partBytes(size: number, partSize: number, partNumber: number): number {
  return Math.max(0, Math.min(partSize, size - (partNumber - 1) * partSize));
}

async function uploadPart(run: PartsRun, partNumber: number): Promise<void> {
  const start = (partNumber - 1) * run.partSize;
  const size = partBytes(run.file.size, run.partSize, partNumber);
  const body = run.file.slice(start, start + size);
  let failures = 0;
  let resigned = false;
  let fresh = false;
  for (;;) {
    // No await before signing unless paused: the first part a worker takes is
    // signed in the same batch as the parts queued behind it.
    if (run.control.paused || run.control.halted) await run.control.ready();
    const signed = await run.signer.get(partNumber, fresh);
    fresh = false;
    const { signal, release } = run.control.requestSignal();
    const response = await run.transport({
      url: signed.url,
      method: signed.method || "PUT",
      headers: signed.headers ?? {},
      body,
      signal,
      onProgress: (loaded) => {
        if (!signal.aborted) run.tracker.sending(partNumber, Math.min(loaded, size));
      },
    })
      .catch(() => ({ status: 0, etag: null, responseText: "" })) // a custom transport that rejects: no answer
      .finally(release);
    if (response.status >= 200 && response.status < 300 && !signal.aborted) {
      const etag = response.etag || readJsonEtag(response.responseText);
      if (!etag) {
        throw new UploadError("Unknown", `Part ${partNumber} was stored but its answer has no ETag: the bucket's CORS must expose ETag (ExposeHeaders: ETag)`, {
          status: response.status,
          responseText: response.responseText,
        });
      }
      run.done.set(partNumber, unquoteEtag(etag));
      run.signer.forget(partNumber);
      run.tracker.done(partNumber, size);
      return;
    }
    run.tracker.dropped(partNumber);
    if (run.control.halted) throw run.control.reason;
    if (signal.aborted) continue; // paused: wait for resume, then send the part again (not a failure)

    const expiresAtMs = new Date(signed.expiresAt).getTime();
    const expired = Number.isFinite(expiresAtMs) && run.now() >= expiresAtMs;
    const classified = classifyAnswer(response.status, response.responseText, { ifNotExists: false, expired });
    // An expired or refused signature heals with a new URL, once.
    const badUrl = (response.status === 403 || response.status === 0) && (classified.code === "Expired" || classified.code === "BadSignature" || (response.status === 0 && expired));
    if (badUrl && !resigned) {
      resigned = true;
      fresh = true;
      continue;
    }
    const status = response.status;
    const code = status === 0 ? (expired ? "Expired" : "Network") : classified.code === "Unknown" && isRetryableStatus(status) ? "Unavailable" : classified.code;
    const details: { status: number; responseText: string; serverCode?: string } = { status, responseText: response.responseText };
    if (classified.serverCode !== undefined) details.serverCode = classified.serverCode;
    const what = status === 0 ? "got no readable answer" : `was refused with HTTP ${status}${classified.serverCode ? ` (${classified.serverCode})` : ""}`;
    if (!badUrl && isRetryableStatus(status)) {
      failures++;
      if (failures >= run.retry.attempts) {
        const error = new UploadError(code, `Part ${partNumber} ${what} after ${failures} tries; uploading the same file again resumes`, details);
        healable.add(error);
        throw error;
      }
      try {
        await run.sleep(backoffDelay(run.retry, failures, run.random), run.control.haltSignal);
      } catch {
        throw run.control.reason;
      }
      continue;
    }
    throw new UploadError(code, `Part ${partNumber} ${what}${classified.serverMessage ? `: ${classified.serverMessage}` : ""}`, details);
  }
}
