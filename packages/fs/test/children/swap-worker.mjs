// The attacker of the swap-race test: swaps a directory inside the root with
// a symbolic link that points outside it, in a tight loop, for a few seconds.
// It needs no driver: plain renames. Prints "ready" once swapping, then at
// the end (with the real directory back in place) a JSON line { swaps }.
// argv: JSON { parent, name, outside, durationMs }
import { lstatSync, renameSync, symlinkSync } from "node:fs";
import { join } from "node:path";

const { parent, name, outside, durationMs } = JSON.parse(process.argv[2]);
const real = join(parent, name);
const hidden = join(parent, "%swap-real");
const link = join(parent, "%swap-link");
let extra = 0;
symlinkSync(outside, link);

const attempt = (action) => {
  try {
    action();
    return true;
  } catch {
    return false;
  }
};
const isLink = (path) => attempt(() => {
  if (!lstatSync(path).isSymbolicLink()) throw new Error("not a link");
});
const exists = (path) => attempt(() => lstatSync(path));
/** Puts the link at `real`; a directory the driver made meanwhile is moved aside (it stays inside the root). */
const linkIn = () => {
  if (attempt(() => renameSync(link, real))) return;
  if (attempt(() => renameSync(real, join(parent, `%swap-extra-${extra++}`)))) attempt(() => renameSync(link, real));
};

process.stdout.write("ready\n");
const end = Date.now() + durationMs;
let swaps = 0;
while (Date.now() < end) {
  // The real directory steps aside and the link takes its name ...
  attempt(() => renameSync(real, hidden));
  linkIn();
  // ... then the link steps aside and the directory comes back.
  if (isLink(real)) attempt(() => renameSync(real, link));
  attempt(() => renameSync(hidden, real));
  swaps++;
}
// Leave the real directory in place and the link aside.
if (isLink(real)) attempt(() => renameSync(real, link));
if (exists(hidden)) {
  if (exists(real)) attempt(() => renameSync(real, join(parent, `%swap-extra-${extra++}`)));
  attempt(() => renameSync(hidden, real));
}
process.stdout.write(`${JSON.stringify({ swaps, extra })}\n`);
