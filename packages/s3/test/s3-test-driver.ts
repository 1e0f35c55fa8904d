import { s3Driver, type S3Driver, type S3DriverOptions } from "@stowage/s3";
import type { S3Client } from "@aws-sdk/client-s3";
import { rawClient, type S3TestEnvironment } from "./s3-test-environment.ts";

/** A driver for the test server with its profile, plus `extra` options. */
export function testDriver(environment: S3TestEnvironment, extra: Partial<S3DriverOptions> = {}): S3Driver {
  return s3Driver({
    bucket: environment.bucket,
    region: environment.region,
    endpoint: environment.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: environment.accessKeyId, secretAccessKey: environment.secretAccessKey },
    profile: environment.profile,
    ...extra,
  });
}

/** A unique key prefix for one test file's run. */
export function runPrefix(name: string): string {
  return `${name}/${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}/`;
}

/** The rejection of `promise` (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error("expected a rejection");
}

/** Deterministic pseudo-random bytes. */
export function seededBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

export type Hook = (command: string, input: Record<string, unknown>) => Promise<void> | void;

/** A client like the driver's that records each command's name and can run a hook before sending it. */
export function recordingClient(env: S3TestEnvironment): { client: S3Client; sent: string[]; setHook(hook: Hook | undefined): void } {
  const client = rawClient(env);
  const sent: string[] = [];
  let hook: Hook | undefined;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(String(context.commandName));
      await hook?.(String(context.commandName), args.input as Record<string, unknown>);
      return next(args);
    },
    { step: "initialize", name: "testRecorder" },
  );
  return { client, sent, setHook: (value) => (hook = value) };
}

