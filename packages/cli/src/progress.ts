import type { TransferItem } from "./transfer-plan.js";

/** What a finished (or interrupted) transfer adds up to. */
export interface TransferSummary {
  files: number;
  failed: number;
  bytes: number;
  /** Wall time in seconds. */
  seconds: number;
  interrupted: boolean;
}

/**
 * Reports a transfer as it goes: a bar on a terminal, plain lines
 * elsewhere. Calls arrive in this order: `start`, then any number of
 * `addTotal` / `addBytes` / `fileDone` / `fileFailed`, then `finish` once.
 */
export interface TransferProgress {
  /** The plan: how many files, and their bytes when every size is known. */
  start(totals: { files: number; bytes: number | undefined }): void;
  /** A size learnt on the way (a download's length, from its get). */
  addTotal(bytes: number): void;
  /** Bytes that reached the target. */
  addBytes(bytes: number): void;
  fileDone(item: TransferItem, bytes: number): void;
  fileFailed(item: TransferItem, error: unknown): void;
  /** Stops drawing and prints the summary. */
  finish(summary: TransferSummary): void;
}

/** Bytes per second and the seconds left at that rate (undefined until it can be told). */
export function rateAndEta(bytes: number, total: number | undefined, seconds: number): { rate: number; eta: number | undefined } {
  const rate = seconds > 0 ? bytes / seconds : 0;
  if (total === undefined || rate <= 0) return { rate, eta: undefined };
  return { rate, eta: Math.max(0, (total - bytes) / rate) };
}

/** Seconds for people: `42s`, `3m05s`, `1h02m`; `--` when unknown. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "--";
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, "0")}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, "0")}m`;
}
