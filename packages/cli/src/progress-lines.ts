import { errorCode } from "./errors.js";
import { writeJson, writeLine } from "./output.js";
import type { TransferProgress, TransferSummary } from "./progress.js";
import type { TransferItem } from "./transfer-plan.js";

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ");
}

/**
 * Progress off a terminal: one line per file copied (`copied SRC -> DST (N bytes)`)
 * and a summary (`copied N files, B bytes in S s`), or with `json` one JSON
 * object per line (`{"event":"copied",…}`, `{"event":"summary",…}`).
 * Failures go to `errors` as `stowage: <Code>: SRC: <message>` (JSON: `{"event":"failed",…}` on `out`).
 */
export function lineProgress(out: NodeJS.WritableStream, errors: NodeJS.WritableStream, json: boolean): TransferProgress {
  return {
    start() {},
    addTotal() {},
    addBytes() {},
    fileDone(item: TransferItem, bytes: number) {
      if (json) writeJson(out, { event: "copied", source: item.sourceLabel, target: item.targetLabel, bytes });
      else writeLine(out, `copied ${item.sourceLabel} -> ${item.targetLabel} (${bytes} bytes)`);
    },
    fileFailed(item: TransferItem, error: unknown) {
      if (json) writeJson(out, { event: "failed", source: item.sourceLabel, target: item.targetLabel, code: errorCode(error), message: messageOf(error) });
      else writeLine(errors, `stowage: ${errorCode(error)}: ${item.sourceLabel}: ${messageOf(error)}`);
    },
    finish(summary: TransferSummary) {
      if (json) {
        writeJson(out, { event: "summary", ...summary, seconds: Number(summary.seconds.toFixed(3)) });
        return;
      }
      const files = `${summary.files} file${summary.files === 1 ? "" : "s"}`;
      const failed = summary.failed === 0 ? "" : `, ${summary.failed} failed`;
      const verb = summary.interrupted ? "interrupted after copying" : "copied";
      writeLine(out, `${verb} ${files}${failed}, ${summary.bytes} bytes in ${summary.seconds.toFixed(2)} s`);
    },
  };
}
