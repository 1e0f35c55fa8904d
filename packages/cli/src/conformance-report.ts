import type { StorageDriver } from "@stowage/core";
import type { CaseResult } from "./conformance-run.js";

/** The capability profile observed on the driver under test. */
export interface ObservedProfile {
  driver: string;
  /** Capabilities the driver claims. */
  on: string[];
  /** Capabilities it does not claim, each with the driver's (or core's) hint when there is one. */
  off: { name: string; hint?: string }[];
  /** Option combinations its signed uploads refuse. */
  signPutConflicts: { constraints: string[]; unless?: string[]; reason: string }[];
  /** The driver's provider facts (the S3 driver's `profile`), when it has them. */
  profile?: Record<string, unknown>;
}

/** Everything `stowage conformance` found, as written by `--json`. */
export interface ConformanceReport {
  /** The storage URL the cases ran against (credentials never appear in it). */
  storage: string;
  /** The prefix the cases wrote under; deleted afterwards. */
  scratchPrefix: string;
  /** How signed URLs were served during the run. */
  signing: string;
  startedAt: string;
  durationMs: number;
  summary: { total: number; passed: number; failed: number; skipped: number; notRun: number; selectedBy?: string[] };
  observed: ObservedProfile;
  cases: CaseResult[];
  cleanup: { deleted: number; abortedUploads: number; errors: string[] };
}

/** The driver's capabilities, hints, refused signPut combinations and facts, as plain data. */
export function observeProfile(driver: StorageDriver): ObservedProfile {
  const capabilities = driver.capabilities as unknown as Record<string, boolean>;
  const hints = (driver.capabilityHints ?? {}) as Record<string, unknown>;
  const names = Object.keys(capabilities).sort();
  const observed: ObservedProfile = {
    driver: driver.name,
    on: names.filter((name) => capabilities[name] === true),
    off: names
      .filter((name) => capabilities[name] !== true)
      .map((name) => (typeof hints[name] === "string" ? { name, hint: hints[name] as string } : { name })),
    signPutConflicts: (driver.signPutConflicts ?? []).map((conflict) => ({
      constraints: [...conflict.constraints],
      ...(conflict.unless === undefined ? {} : { unless: [...conflict.unless] }),
      reason: conflict.reason,
    })),
  };
  const profile = (driver as { profile?: unknown }).profile;
  if (profile !== null && typeof profile === "object" && !Array.isArray(profile)) observed.profile = JSON.parse(JSON.stringify(profile)) as Record<string, unknown>;
  return observed;
}

/** Counts the results. */
export function summarize(cases: readonly CaseResult[]): ConformanceReport["summary"] {
  const count = (status: CaseResult["status"]) => cases.filter((result) => result.status === status).length;
  return { total: cases.length, passed: count("passed"), failed: count("failed"), skipped: count("skipped"), notRun: count("not run") };
}

const labels: Record<CaseResult["status"], string> = { passed: "PASS", failed: "FAIL", skipped: "SKIP", "not run": "STOP" };

/** One result as plain text: `PASS  name`, a failure's reason indented below it, a skip's reason in brackets. */
export function formatResultLine(result: CaseResult): string {
  const head = `${labels[result.status]}  ${result.name}`;
  if (result.status === "skipped") return `${head} [${result.reason}]`;
  if (result.status === "failed") return `${head}\n${indent(result.reason ?? "")}`;
  return head;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `      ${line}`)
    .join("\n");
}

/** The plain-text lines printed before the cases: what runs where, and the observed capabilities. */
export function formatHeader(report: Pick<ConformanceReport, "storage" | "scratchPrefix" | "signing" | "observed">, total: number): string {
  const { observed } = report;
  const lines = [
    `conformance: ${total} cases against ${report.storage} (driver ${observed.driver})`,
    `scratch prefix: ${report.scratchPrefix} (deleted afterwards)`,
    `signed URLs: ${report.signing}`,
    `capabilities on: ${observed.on.join(", ") || "none"}`,
    `capabilities off: ${observed.off.map((entry) => entry.name).join(", ") || "none"}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** The plain-text summary after the cases. */
export function formatSummary(report: ConformanceReport): string {
  const { summary } = report;
  const lines: string[] = [];
  const failed = report.cases.filter((result) => result.status === "failed");
  if (failed.length > 0) lines.push("", `failed cases (${failed.length}):`, ...failed.map((result) => `  ${result.name}`));
  const skippedBy = skippedByCapability(report.cases);
  if (skippedBy.length > 0) lines.push("", "skipped by capability:", ...skippedBy.map(([name, count]) => `  ${name}: ${count} case${count === 1 ? "" : "s"}`));
  if (report.cleanup.errors.length > 0) lines.push("", "cleanup problems:", ...report.cleanup.errors.map((error) => `  ${error}`));
  const notRun = summary.notRun > 0 ? `, ${summary.notRun} not run (interrupted)` : "";
  lines.push(
    "",
    `${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped${notRun} (of ${summary.total}) in ${(report.durationMs / 1000).toFixed(1)} s`,
  );
  return `${lines.join("\n")}\n`;
}

/** Each missing capability and how many cases it skipped, most first. */
export function skippedByCapability(cases: readonly CaseResult[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const result of cases) for (const name of result.missing ?? []) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}

/** The report as Markdown: summary, observed capabilities, failures with reasons, every case in a table. */
export function formatMarkdown(report: ConformanceReport): string {
  const { summary, observed } = report;
  const out: string[] = [
    `# Stowage conformance: ${observed.driver}`,
    "",
    `- storage: \`${report.storage}\``,
    `- started: ${report.startedAt}, took ${(report.durationMs / 1000).toFixed(1)} s`,
    `- signed URLs: ${report.signing}`,
    `- **${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped**${summary.notRun > 0 ? `, ${summary.notRun} not run` : ""} of ${summary.total}` +
      (summary.selectedBy === undefined ? "" : ` (selected by --only ${summary.selectedBy.map((pattern) => `\`${pattern}\``).join(", ")})`),
    "",
    "## Capabilities observed",
    "",
    `On: ${observed.on.map((name) => `\`${name}\``).join(", ") || "none"}`,
    "",
    "| off | hint | cases skipped |",
    "|---|---|---|",
  ];
  const skipped = new Map(skippedByCapability(report.cases));
  for (const entry of observed.off) out.push(`| \`${entry.name}\` | ${cell(entry.hint ?? "")} | ${skipped.get(entry.name) ?? 0} |`);
  if (observed.profile !== undefined) out.push("", "Provider profile:", "", "```json", JSON.stringify(observed.profile, null, 2), "```");
  const failed = report.cases.filter((result) => result.status === "failed");
  if (failed.length > 0) {
    out.push("", "## Failures", "");
    for (const result of failed) out.push(`### ${result.name}`, "", "```", result.reason ?? "", "```", "");
  }
  out.push("", "## Cases", "", "| case | result | ms | reason |", "|---|---|---|---|");
  for (const result of report.cases) out.push(`| ${cell(result.name)} | ${result.status} | ${result.durationMs} | ${cell(result.reason ?? "")} |`);
  return `${out.join("\n")}\n`;
}
