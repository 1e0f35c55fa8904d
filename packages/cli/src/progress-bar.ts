import cliProgress from "cli-progress";
import { formatBytes } from "./output.js";
import { formatDuration, rateAndEta, type TransferProgress, type TransferSummary } from "./progress.js";
import type { TransferItem } from "./transfer-plan.js";
import { errorCode } from "./errors.js";

/** A stream a bar can be drawn on: a terminal (`isTTY`), with its width when known. */
export type BarStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** Redraws per second at most. */
const fps = 8;

/**
 * Why cli-progress: it is small and maintained (3.12.0: 74 KB unpacked,
 * one dependency chain, string-width, ~167 KB installed with it) and does the
 * parts a hand-written bar gets wrong: redraw throttling, line clearing,
 * terminal width, cursor restore. Rate and ETA are computed here (its
 * own ETA smooths on a window and cannot be injected a clock for tests).
 *
 * Progress on a terminal: one bar (drawn by cli-progress, at most 8 times a
 * second) with bytes copied out of the total, the rate, the ETA and files
 * done out of total. Failed files print a line above the bar; the summary
 * line replaces it at the end. `now` is injected for tests.
 */
export function barProgress(stream: BarStream, now: () => number = Date.now): TransferProgress {
  const started = now();
  let files = 0;
  let done = 0;
  let failed = 0;
  let bytes = 0;
  let total: number | undefined;
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WriteStream,
      format: "{bar} {percent} | {bytes} | {rate} | ETA {remaining} | {files} files",
      fps,
      barsize: 24,
      hideCursor: false,
      clearOnComplete: true,
      gracefulExit: false,
      // The bar reads `isTTY` itself: only a terminal (or an injected stream that says it is one) draws.
      noTTYOutput: false,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = () => {
    const seconds = (now() - started) / 1000;
    const { rate, eta } = rateAndEta(bytes, total, seconds);
    return {
      percent: total === undefined || total === 0 ? "  --%" : `${String(Math.floor((100 * bytes) / total)).padStart(3)}%`,
      bytes: total === undefined ? formatBytes(bytes) : `${formatBytes(bytes)}/${formatBytes(total)}`,
      rate: `${formatBytes(Math.round(rate))}/s`,
      remaining: formatDuration(eta),
      files: `${done}/${files}`,
    };
  };
  const redraw = () => bar.update(total === undefined || total === 0 ? 0 : Math.min(bytes, total), payload());
  return {
    start(totals) {
      files = totals.files;
      total = totals.bytes;
      bar.start(total === undefined || total === 0 ? 1 : total, 0, payload());
    },
    addTotal(more) {
      total = (total ?? 0) + more;
      if (total > 0) bar.setTotal(total);
      redraw();
    },
    addBytes(more) {
      bytes += more;
      redraw();
    },
    fileDone(_item: TransferItem) {
      done++;
      redraw();
    },
    fileFailed(item: TransferItem, error: unknown) {
      failed++;
      const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ");
      // Clear the bar's line, print the failure, and let the bar redraw below it.
      stream.write(`\r\x1b[2K stowage: ${errorCode(error)}: ${item.sourceLabel}: ${message}\n`);
      redraw();
    },
    finish(summary: TransferSummary) {
      redraw();
      bar.stop();
      const rate = summary.seconds > 0 ? formatBytes(Math.round(summary.bytes / summary.seconds)) : formatBytes(summary.bytes);
      const verb = summary.interrupted ? "interrupted after copying" : "copied";
      const failedText = failed === 0 ? "" : `, ${failed} failed`;
      stream.write(
        `${verb} ${summary.files}/${files} files${failedText}, ${formatBytes(summary.bytes)} in ${formatDuration(summary.seconds)} (${rate}/s)\n`,
      );
    },
  };
}
