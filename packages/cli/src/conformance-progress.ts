import type { CommandContext } from "./command.js";

/** The progress line of `stowage conformance` (cases done out of total). */
export interface ConformanceProgress {
  /** A case starts: shows `[done/total] name`. */
  start(name: string, index: number): void;
  /** A case ended. */
  done(count: number, failed: boolean): void;
  /** Shows a note (the cleanup). */
  note(text: string): void;
  /** Erases the line, before a result line is printed. */
  clear(): void;
}

const silent: ConformanceProgress = { start() {}, done() {}, note() {}, clear() {} };

/**
 * On a terminal (and without --json), one line on stderr rewritten in place:
 * `[ 37/301 ✗2] put: …`. Off a terminal nothing: the result lines on
 * stdout (`PASS  name`, one per case as it ends) are the progress.
 */
export function conformanceProgress(context: Pick<CommandContext, "isTTY" | "json" | "stderr">, total: number): ConformanceProgress {
  if (!context.isTTY || context.json) return silent;
  const stream = context.stderr;
  const width = Math.max(40, ((stream as { columns?: number }).columns ?? 100) - 1);
  let done = 0;
  let failed = 0;
  let shown = false;
  const show = (text: string) => {
    stream.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    shown = true;
  };
  const counter = () => `[${String(done).padStart(String(total).length)}/${total}${failed > 0 ? ` ✗${failed}` : ""}]`;
  return {
    start(name) {
      show(`${counter()} ${name}`);
    },
    done(count, caseFailed) {
      done = count;
      if (caseFailed) failed++;
      show(counter());
    },
    note(text) {
      show(`${counter()} ${text}`);
    },
    clear() {
      if (shown) stream.write("\r\x1b[2K");
      shown = false;
    },
  };
}
