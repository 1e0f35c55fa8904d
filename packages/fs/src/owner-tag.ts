import { createHash, randomBytes } from "node:crypto";
import { hostname } from "node:os";

/** A short tag for this machine, so files from other hosts sharing the root are told apart. */
export const hostTag = createHash("sha256").update(hostname()).digest("hex").slice(0, 8);

const temporaryPattern = /^%tmp-([0-9a-f]{8})-(\d+)-[0-9a-z]+$/;
const lockPattern = /^%lock-/;

/** The prefix of every temporary file name. */
export const temporaryPrefix = "%tmp-";
/** The prefix of every lock name. */
export const lockPrefix = "%lock-";

/** A random part drawn once per process; a counter makes each name unique within it. */
const processNonce = randomBytes(6).toString("hex");
let temporaryCounter = 0;

/** A fresh temporary file name owned by this process. */
export function temporaryName(): string {
  return `${temporaryPrefix}${hostTag}-${process.pid}-${processNonce}${(temporaryCounter++).toString(36)}`;
}

/** True when `name` is a temporary file made by this very process (perhaps still being written by another driver in it). */
export function isOwnTemporary(name: string): boolean {
  return name.startsWith(`${temporaryPrefix}${hostTag}-${process.pid}-${processNonce}`);
}

/** The owner text written into a lock: host tag, pid and a random nonce. */
export function lockOwner(): string {
  return `${hostTag}:${process.pid}:${randomBytes(8).toString("hex")}`;
}

/** True when `pid` names a live process on this host. */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

/** The owner of a temporary file name, if it is one. */
export function temporaryOwner(name: string): { host: string; pid: number } | undefined {
  const match = temporaryPattern.exec(name);
  return match ? { host: match[1]!, pid: Number(match[2]) } : undefined;
}

/** The owner recorded in a lock's text. */
export function parseLockOwner(text: string): { host: string; pid: number } | undefined {
  const [host, pid] = text.split(":");
  if (host === undefined || pid === undefined || !/^\d+$/.test(pid)) return undefined;
  return { host, pid: Number(pid) };
}

export function isTemporaryName(name: string): boolean {
  return name.startsWith(temporaryPrefix);
}

export function isLockName(name: string): boolean {
  return lockPattern.test(name);
}
