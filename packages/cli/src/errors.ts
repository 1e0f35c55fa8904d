import { isStorageError } from "@stowage/core";

/** A mistake in the command line (unknown option, missing argument): exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Exit codes: 0 ok, 1 failure, 2 usage error, 130 interrupted (SIGINT). */
export const exitCodes = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** The code printed after `stowage:`: a StorageError's code, `Usage` for usage errors, else `Error`. */
export function errorCode(error: unknown): string {
  if (error instanceof UsageError) return "Usage";
  if (isStorageError(error)) return error.code;
  return "Error";
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * The lines printed for a failure: `stowage: <Code>: <message>`, and with
 * `debug` each cause in the chain (`  caused by: <name>: <message>`) and the
 * stack of the innermost one.
 */
export function formatError(error: unknown, debug: boolean): string[] {
  const lines = [`stowage: ${errorCode(error)}: ${messageOf(error).replace(/\s*\n\s*/g, " ")}`];
  if (!debug) return lines;
  let current: unknown = error;
  const seen = new Set<unknown>([error]);
  while (current instanceof Error && current.cause !== undefined && !seen.has(current.cause)) {
    current = current.cause;
    seen.add(current);
    const name = isStorageError(current) ? current.code : current instanceof Error ? current.name : typeof current;
    lines.push(`  caused by: ${name}: ${messageOf(current)}`);
  }
  if (current instanceof Error && current.stack !== undefined) {
    lines.push(...current.stack.split("\n").map((line) => `  ${line.trim()}`));
  }
  return lines;
}

/** The exit code for an error thrown by a command. */
export function exitCodeOf(error: unknown, signal: AbortSignal): number {
  if (error instanceof UsageError) return exitCodes.usage;
  if (signal.aborted) return exitCodes.interrupted;
  return exitCodes.failure;
}
