import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { barProgress } from "../src/progress-bar.ts";
import { lineProgress } from "../src/progress-lines.ts";
import { formatDuration, rateAndEta } from "../src/progress.ts";
import type { TransferItem } from "../src/transfer-plan.ts";
import { runCliInProcess } from "./cli-harness.ts";

const work = mkdtempSync(join(tmpdir(), "stowage-cli-progress-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A stream that says it is a terminal, collecting what is drawn on it. */
function fakeTerminal(isTTY = true): { stream: PassThrough & { isTTY: boolean; columns: number }; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 120 });
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

function item(name: string): TransferItem {
  return { source: { kind: "file", path: name }, target: { kind: "stdio" }, size: undefined, sourceLabel: name, targetLabel: `memory://#${name}` };
}

/** The last frame drawn: the text after the last carriage return or cursor move, without escape codes. */
function frames(text: string): string[] {
  return text
    .split(/\r|\x1b\[\d*G/)
    .map((frame) => frame.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[78]/g, "").trimEnd())
    .filter((frame) => frame !== "");
}

describe("progress bar on a terminal", () => {
  it("draws bytes, percentage, rate, ETA and files done out of total, then a summary", async () => {
    const terminal = fakeTerminal();
    let clock = 1_000_000;
    const progress = barProgress(terminal.stream, () => clock);
    progress.start({ files: 4, bytes: 4 * 1024 * 1024 });
    clock += 1000;
    progress.addBytes(1024 * 1024);
    progress.fileDone(item("a"), 1024 * 1024);
    // cli-progress redraws at most 8 times a second: let a frame be drawn.
    await new Promise((resolve) => setTimeout(resolve, 300));
    progress.addBytes(0);
    const midway = frames(terminal.text()).at(-1)!;
    expect(midway).toContain(" 25% | 1.0 MiB/4.0 MiB | 1.0 MiB/s | ETA 3s | 1/4 files");
    expect(midway).toMatch(/^[\u2588\u2591]{24} /);
    clock += 1000;
    progress.addBytes(3 * 1024 * 1024);
    for (const name of ["b", "c", "d"]) progress.fileDone(item(name), 1024 * 1024);
    progress.finish({ files: 4, failed: 0, bytes: 4 * 1024 * 1024, seconds: 2, interrupted: false });
    expect(terminal.text().endsWith("copied 4/4 files, 4.0 MiB in 2s (2.0 MiB/s)\n")).toBe(true);
  });

  it("prints a failed file above the bar and counts it in the summary; an unknown total shows no percentage", async () => {
    const terminal = fakeTerminal();
    let clock = 0;
    const progress = barProgress(terminal.stream, () => clock);
    progress.start({ files: 2, bytes: undefined });
    clock += 2000;
    progress.addBytes(2048);
    progress.fileFailed(item("x"), Object.assign(new Error("no\nway"), { name: "Error" }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    progress.addBytes(0);
    expect(terminal.text()).toContain("\r\x1b[2K stowage: Error: x: no way\n");
    expect(frames(terminal.text()).at(-1)).toContain("  --% | 2.0 KiB | 1.0 KiB/s | ETA -- | 0/2 files");
    progress.finish({ files: 1, failed: 1, bytes: 2048, seconds: 2, interrupted: true });
    expect(terminal.text().endsWith("interrupted after copying 1/2 files, 1 failed, 2.0 KiB in 2s (1.0 KiB/s)\n")).toBe(true);
  });

  it("stowage cp on a terminal draws the bar on stderr and prints no per-file lines", async () => {
    const dir = join(work, "tty");
    mkdirSync(join(dir, "src"), { recursive: true });
    for (let i = 0; i < 3; i++) writeFileSync(join(dir, "src", `f${i}.txt`), "x".repeat(1000 * (i + 1)));
    const result = await runCliInProcess(["cp", "-r", "src", "memory://#tty/"], { cwd: dir, tty: true });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/copied 3\/3 files, 5\.9 KiB in \d+s \([0-9.]+ [KMG]?i?B\/s\)\n$/);
    expect(frames(result.stderr).some((frame) => frame.includes("100% | 5.9 KiB/5.9 KiB") && frame.includes("3/3 files"))).toBe(true);
    // Off a terminal, the same copy prints lines instead.
    const plain = await runCliInProcess(["cp", "-r", "--concurrency", "1", "src", "memory://#plain/"], { cwd: dir });
    expect(plain.stderr).toBe("");
    expect(plain.stdout.split("\n")[0]).toBe("copied src/f0.txt -> memory://#plain/f0.txt (1000 bytes)");
  });
});

describe("plain progress lines", () => {
  it("prints a line per file, failures on stderr, and a summary; --json prints JSON lines", () => {
    const out = fakeTerminal(false);
    const errors = fakeTerminal(false);
    const lines = lineProgress(out.stream, errors.stream, false);
    lines.start({ files: 2, bytes: 10 });
    lines.fileDone(item("a"), 10);
    lines.fileFailed(item("b"), new Error("denied"));
    lines.finish({ files: 1, failed: 1, bytes: 10, seconds: 0.5, interrupted: false });
    expect(out.text()).toMatchInlineSnapshot(`
      "copied a -> memory://#a (10 bytes)
      copied 1 file, 1 failed, 10 bytes in 0.50 s
      "
    `);
    expect(errors.text()).toBe("stowage: Error: b: denied\n");
    const json = fakeTerminal(false);
    const jsonLines = lineProgress(json.stream, errors.stream, true);
    jsonLines.fileDone(item("a"), 10);
    jsonLines.fileFailed(item("b"), new Error("denied"));
    jsonLines.finish({ files: 1, failed: 1, bytes: 10, seconds: 0.5, interrupted: true });
    expect(json.text()).toMatchInlineSnapshot(`
      "{"event":"copied","source":"a","target":"memory://#a","bytes":10}
      {"event":"failed","source":"b","target":"memory://#b","code":"Error","message":"denied"}
      {"event":"summary","files":1,"failed":1,"bytes":10,"seconds":0.5,"interrupted":true}
      "
    `);
  });

  it("rate, ETA and durations", () => {
    expect(rateAndEta(500, 2000, 2)).toEqual({ rate: 250, eta: 6 });
    expect(rateAndEta(0, 2000, 0)).toEqual({ rate: 0, eta: undefined });
    expect(rateAndEta(100, undefined, 1)).toEqual({ rate: 100, eta: undefined });
    expect([formatDuration(undefined), formatDuration(42.4), formatDuration(185), formatDuration(3720)]).toEqual(["--", "42s", "3m05s", "1h02m"]);
  });
});
