// Renders docs/provider-matrix.md (backend × capability and conformance case
// results) from the JSON the conformance runs saved (provider-matrix-reporter.mjs).
//
//   pnpm exec vitest run                          # any run of the suites below saves their results
//   node scripts/provider-matrix.mjs --write      # regenerate docs/provider-matrix.md
//   node scripts/provider-matrix.mjs --check [--since <epoch seconds>]
//                                                 # fail when the committed page differs (scripts/test.sh)
//
// --since refuses results saved before that time (a stale file from an
// earlier run). Without results for a backend, --check fails under CI=true
// and otherwise warns and checks nothing (a machine without Ceph RGW skips
// the S3 suites).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { resultsDir, suiteSlug } from "./provider-matrix-reporter.mjs";

/**
 * The matrix's columns: a title and the `describeConformance` suite name
 * whose results fill it. Adding a backend is one line here.
 */
const backends = [
  { title: "memory", suite: "memory with signed URLs over HTTP" },
  { title: "fs", suite: "fs with signed URLs over HTTP" },
  { title: "S3: Ceph RGW", suite: "s3 (ceph-rgw)" },
  { title: "S3: OpenStack Swift", suite: "s3 (swift)" },
  { title: "R2 binding (workerd)", suite: "r2 (workerd binding)" },
  { title: "R2 gateway (workerd)", suite: "r2 gateway (Worker route + @stowage/http)" },
  { title: "Azure Blob: Azurite", suite: "azure (Azurite)" },
  // The same suite through withEncryption (issue 15), each with gateway signed URLs.
  { title: "memory + encryption", suite: "memory through withEncryption with gateway signed URLs" },
  { title: "fs + encryption", suite: "fs through withEncryption with gateway signed URLs" },
  { title: "S3: Ceph RGW + encryption", suite: "s3 (ceph-rgw) through withEncryption with gateway signed URLs" },
  { title: "R2 binding (workerd) + encryption", suite: "r2 (workerd binding) through withEncryption with gateway signed URLs" },
];

const repo = fileURLToPath(new URL("..", import.meta.url));
const pagePath = `${repo}docs/provider-matrix.md`;
const updateCommand = "pnpm exec vitest run && node scripts/provider-matrix.mjs --write";

const args = process.argv.slice(2);
const mode = args.includes("--write") ? "write" : args.includes("--check") ? "check" : "print";
const sinceIndex = args.indexOf("--since");
const since = sinceIndex >= 0 ? Number(args[sinceIndex + 1]) * 1000 : undefined;

const dir = resultsDir();
const problems = [];
const results = backends.map((backend) => {
  const file = `${dir}/${suiteSlug(backend.suite)}.json`;
  if (!existsSync(file)) {
    problems.push(`no results for ${backend.title} (suite "${backend.suite}"): ${file} is missing`);
    return undefined;
  }
  const data = JSON.parse(readFileSync(file, "utf8"));
  if (since !== undefined && !(data.writtenAt >= since)) {
    problems.push(`the results for ${backend.title} are from an earlier run (${new Date(data.writtenAt).toISOString()}): ${file}`);
    return undefined;
  }
  return data;
});

if (problems.length > 0) {
  for (const problem of problems) console.error(`provider matrix: ${problem}`);
  if (mode === "check" && process.env.CI !== "true") {
    console.error("provider matrix: WARNING: not checked (CI is not true; run the missing suites to check it)");
    process.exit(0);
  }
  console.error(`provider matrix: run the conformance suites first: ${updateCommand}`);
  process.exit(1);
}

const page = render(results);

if (mode === "write") {
  writeFileSync(pagePath, page);
  console.log(`docs/provider-matrix.md: ${backends.length} backends written`);
} else if (mode === "check") {
  const committed = existsSync(pagePath) ? readFileSync(pagePath, "utf8") : "";
  if (committed !== page) {
    console.error("provider matrix: docs/provider-matrix.md differs from this run's results:\n");
    console.error(lineDiff(committed, page));
    console.error(`\nprovider matrix: update it with: ${updateCommand}  (then commit docs/provider-matrix.md)`);
    process.exit(1);
  }
  console.log("provider matrix: docs/provider-matrix.md matches this run");
} else {
  process.stdout.write(page);
}

function render(runs) {
  const slug = (text) => text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  const columns = backends.map((backend) => slug(backend.title));
  const reasons = new Map(); // anchor → { title, lines }
  const note = (anchor, title, lines) => {
    if (!reasons.has(anchor)) reasons.set(anchor, { title, lines });
    return `[no](#${anchor})`;
  };
  const capabilityNo = (index, capability) => {
    const run = runs[index];
    const anchor = `no-${columns[index]}-${slug(capability)}`;
    const lines = [`The driver does not claim \`${capability}\`.`];
    const hint = run.driver.capabilityHints[capability];
    if (hint !== undefined) lines.push(`Driver's hint: ${hint}.`);
    if (run.driver.profile !== undefined) {
      lines.push(`Its capabilities follow the \`${run.driver.profile.name}\` profile: see [its facts](#profile-${columns[index]}).`);
    }
    return note(anchor, `${backends[index].title}: ${capability}`, lines);
  };
  const skipNo = (index, entry) => {
    if (entry.missing !== undefined && entry.missing.length > 0) return capabilityNo(index, entry.missing[0]);
    const anchor = `skip-${columns[index]}-${slug(entry.reason ?? "skipped").slice(0, 60)}`;
    return note(anchor, `${backends[index].title}: skipped by the suite`, [`${entry.reason ?? "skipped"}.`]);
  };

  const out = [];
  out.push("# Provider matrix", "");
  out.push(
    "What each backend does, as its conformance run found it: the capabilities its driver claims and the result of every",
    "[conformance case](../packages/conformance/README.md#cases) on it. Each **no** links to its reason: the capability the",
    "driver does not claim (with the driver's hint and, for S3, the profile fact behind it) or the suite's stated reason.",
    "",
    "<!-- Generated: do not edit. -->",
    `Generated by \`node scripts/provider-matrix.mjs --write\` from the JSON that the conformance suites save when they run`,
    "under vitest (scripts/provider-matrix-reporter.mjs). `scripts/test.sh` regenerates it from the fresh run and fails when",
    `this file differs; to update it: \`${updateCommand}\`.`,
    "",
  );

  out.push("## Backends", "", "| column | conformance suite | driver | profile |", "|---|---|---|---|");
  runs.forEach((run, index) => {
    const profile = run.driver.profile === undefined ? "—" : `[\`${run.driver.profile.name}\`](#profile-${columns[index]})`;
    out.push(`| ${backends[index].title} | \`${run.suite}\` (vitest project \`${run.project}\`) | \`${run.driver.name}\` | ${profile} |`);
  });
  out.push("");

  const capabilityNames = [...new Set(runs.flatMap((run) => Object.keys(run.driver.capabilities)))];
  out.push("## Capabilities", "", `| capability | ${backends.map((b) => b.title).join(" | ")} |`, `|---|${backends.map(() => "---|").join("")}`);
  for (const capability of capabilityNames) {
    const cells = runs.map((run, index) => (run.driver.capabilities[capability] ? "yes" : capabilityNo(index, capability)));
    out.push(`| \`${capability}\` | ${cells.join(" | ")} |`);
  }
  out.push("");

  out.push("## Refused signPut combinations", "");
  out.push("Combinations of claimed constraints a driver cannot sign together (`signPutConflicts`); `checkSignPut` reports them before signing.", "");
  let anyConflict = false;
  runs.forEach((run, index) => {
    for (const conflict of run.driver.signPutConflicts) {
      anyConflict = true;
      const unless = conflict.unless === undefined ? "" : ` (unless ${conflict.unless.map((name) => `\`${name}\``).join(", ")})`;
      out.push(`- ${backends[index].title}: ${conflict.constraints.map((name) => `\`${name}\``).join(" + ")}${unless}: ${conflict.reason}.`);
    }
  });
  if (!anyConflict) out.push("None.");
  out.push("");

  const caseNames = [...new Set(runs.flatMap((run) => run.cases.map((entry) => entry.name)))];
  const byName = runs.map((run) => new Map(run.cases.map((entry) => [entry.name, entry])));
  out.push("## Conformance cases", "");
  out.push(`| | ${backends.map((b) => b.title).join(" | ")} |`, `|---|${backends.map(() => "---|").join("")}`);
  for (const state of ["passed", "skipped", "failed"]) {
    const counts = byName.map((cases) => [...cases.values()].filter((entry) => entry.state === state).length);
    out.push(`| ${state} | ${counts.join(" | ")} |`);
  }
  let area;
  for (const name of caseNames) {
    const current = name.split(":")[0];
    if (current !== area) {
      area = current;
      out.push("", `### ${area}`, "", `| case | ${backends.map((b) => b.title).join(" | ")} |`, `|---|${backends.map(() => "---|").join("")}`);
    }
    const cells = byName.map((cases, index) => {
      const entry = cases.get(name);
      if (entry === undefined) return "(not in this run)";
      if (entry.state === "passed") return "yes";
      if (entry.state === "skipped") return skipNo(index, entry);
      return `**${entry.state.toUpperCase()}**`;
    });
    out.push(`| ${name.slice(current.length + 1).trim().replaceAll("|", "\\|")} | ${cells.join(" | ")} |`);
  }
  out.push("");

  out.push("## Why not", "");
  for (const [anchor, reason] of [...reasons.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out.push(`- <a id="${anchor}"></a>**${reason.title}**: ${reason.lines.join(" ")}`);
  }
  out.push("");

  const profiled = runs.map((run, index) => [run, index]).filter(([run]) => run.driver.profile !== undefined);
  if (profiled.length > 0) {
    out.push("## Profile facts", "", "The S3 driver reads what a server does from its profile (`packages/s3/src/s3-profiles.ts`).", "");
    for (const [run, index] of profiled) {
      out.push(`### <a id="profile-${columns[index]}"></a>${backends[index].title}: \`${run.driver.profile.name}\``, "", "| fact | value |", "|---|---|");
      for (const [fact, value] of Object.entries(run.driver.profile)) out.push(`| \`${fact}\` | ${String(value)} |`);
      out.push("");
    }
  }
  return `${out.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd()}\n`;
}

/** A plain line diff (committed → fresh), enough to see what changed. */
function lineDiff(before, after) {
  const a = before.split("\n");
  const b = after.split("\n");
  const lines = [];
  const inB = new Set(b);
  const inA = new Set(a);
  for (const line of a) if (!inB.has(line)) lines.push(`- ${line}`);
  for (const line of b) if (!inA.has(line)) lines.push(`+ ${line}`);
  return lines.length > 0 ? lines.slice(0, 200).join("\n") : "(only the order of lines differs)";
}
