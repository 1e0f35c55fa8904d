// Opens `drivers` drivers on each of `rounds` fresh roots, all processes at
// the same instants: round r starts at startAt + r * stepMs (busy-waited, so
// the processes line up to within microseconds).
// argv: bundle path, JSON { base, rounds, drivers, startAt, stepMs }
const [bundlePath, argumentText] = process.argv.slice(2);
const { fsDriver } = await import(bundlePath);
const { base, rounds, drivers, startAt, stepMs } = JSON.parse(argumentText);
const failures = [];
let started = 0;
for (let round = 0; round < rounds; round++) {
  const at = startAt + round * stepMs;
  if (Date.now() < at - 2) await new Promise((resolve) => setTimeout(resolve, at - 2 - Date.now()));
  while (Date.now() < at) {
    // busy-wait the last milliseconds
  }
  const opened = Array.from({ length: drivers }, () => fsDriver({ root: `${base}/root-${round}`, cleanupOnStart: false }));
  const results = await Promise.allSettled(opened.map((driver) => driver.ready));
  for (const result of results) {
    if (result.status === "fulfilled") started++;
    else failures.push(`round ${round}: ${result.reason?.code}: ${result.reason?.message}`);
  }
  await Promise.all(opened.map((driver) => driver.close?.()));
}
process.stdout.write(JSON.stringify({ started, failures }));
