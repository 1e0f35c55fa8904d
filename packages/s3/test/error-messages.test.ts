// Error messages from real Ceph RGW answers: each says what happened and what
// to do, never the SDK's placeholder "UnknownError", and keeps the S3 code,
// HTTP status and request id as fields.
import { createStorage, isStorageError, type StorageError } from "@stowage/core";
import { s3Driver, type S3DriverOptions, type S3StorageError } from "@stowage/s3";
import { afterAll, describe, expect, it } from "vitest";
import { s3Environment } from "./s3-test-environment.ts";

// This project's server: Ceph RGW in the `s3` project, OpenStack Swift in `s3-swift`.
const environment = s3Environment();
const serverProfile = environment === null ? "ceph-rgw" : ((environment as { profile?: string }).profile ?? "ceph-rgw");
const serverLabel = environment === null ? "S3 server" : ((environment as { label?: string }).label ?? "Ceph RGW");

async function refusal(promise: Promise<unknown>): Promise<S3StorageError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isStorageError(error), `expected a StorageError, got ${String(error)}`).toBe(true);
  const storageError = error as StorageError;
  expect(storageError.message).not.toMatch(/UnknownError/);
  return storageError as S3StorageError;
}

describe.skipIf(environment === null)(`error messages on ${serverLabel}`, () => {
  const options = (overrides: Partial<S3DriverOptions> = {}): S3DriverOptions => ({
    bucket: environment!.bucket,
    region: environment!.region,
    endpoint: environment!.endpoint,
    credentials: { accessKeyId: environment!.accessKeyId, secretAccessKey: environment!.secretAccessKey },
    profile: serverProfile as S3DriverOptions["profile"],
    ...overrides,
  });
  const storage = environment === null ? undefined : createStorage(s3Driver(options()));
  const keys: string[] = [];
  const freshKey = () => {
    const key = `error-messages/${crypto.randomUUID()}`;
    keys.push(key);
    return key;
  };
  afterAll(async () => {
    if (storage !== undefined) await storage.delete(keys);
  });

  const conditional = environment === null ? true : createStorage(s3Driver(options())).capabilities.putIfMatch;
  // On a profile without conditional puts (Swift) they are refused before any request: no 412 to read.
  const conditionalSkip = conditional ? "" : ` [SKIPPED: capability putIfMatch/putIfNotExists is off in the ${serverProfile} profile]`;

  it.skipIf(!conditional)(`412 on a stale ifMatch: what happened and to read again; code and status kept${conditionalSkip}`, async () => {
    const key = freshKey();
    const first = await storage!.put(key, "one");
    await storage!.put(key, "two");
    const error = await refusal(storage!.put(key, "three", { ifMatch: first.etag }));
    expect(error.code).toBe("PreconditionFailed");
    expect(error).toMatchObject({ s3Code: "PreconditionFailed", httpStatus: 412 });
    expect(error.requestId).toMatch(/^tx/);
    expect(error.message).toMatch(/^The object's current etag is not the one given as ifMatch .*read it again and retry with its new etag \(S3 PreconditionFailed, HTTP 412, request id tx/);
    expect(error.key).toBe(key);
  });

  it.skipIf(!conditional)(`412 on ifNotExists: the key exists and was left unchanged${conditionalSkip}`, async () => {
    const key = freshKey();
    await storage!.put(key, "one");
    const error = await refusal(storage!.put(key, "two", { ifNotExists: true }));
    expect(error.code).toBe("AlreadyExists");
    expect(error.message).toMatch(/^The key already exists, so the create-only put \(ifNotExists\) left it unchanged \(S3 PreconditionFailed, HTTP 412/);
  });

  it("403 on a HEAD (no body, so no S3 code): the likely causes and the fix", async () => {
    const wrong = createStorage(s3Driver(options({ credentials: { accessKeyId: environment!.accessKeyId, secretAccessKey: "wrong-secret" } })));
    const error = await refusal(wrong.head("anything"));
    expect(error.code).toBe("PermissionDenied");
    expect(error).toMatchObject({ s3Code: "", httpStatus: 403 });
    expect(error.message).toMatch(/access key or secret is wrong/);
    expect(error.message).toMatch(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    expect(error.message).toMatch(/\(no S3 error code, HTTP 403/);
  });

  it("403 SignatureDoesNotMatch on a PUT: the secret does not belong to the key id", async () => {
    const wrong = createStorage(s3Driver(options({ credentials: { accessKeyId: environment!.accessKeyId, secretAccessKey: "wrong-secret" } })));
    const error = await refusal(wrong.put(freshKey(), "x"));
    expect(error).toMatchObject({ code: "PermissionDenied", s3Code: "SignatureDoesNotMatch", httpStatus: 403 });
    expect(error.message).toMatch(/secret access key does not belong to the access key id/);
  });

  // RGW says InvalidAccessKeyId; Swift does not tell an unknown key from a
  // wrong secret and says SignatureDoesNotMatch (measured on both).
  const unknownKey = serverProfile === "swift" ? { s3Code: "SignatureDoesNotMatch", message: /secret access key does not belong to the access key id/ } : { s3Code: "InvalidAccessKeyId", message: /does not know this access key id/ };
  it(`403 ${unknownKey.s3Code} for an access key the server does not know`, async () => {
    const unknown = createStorage(s3Driver(options({ credentials: { accessKeyId: "nosuch:key", secretAccessKey: "x" } })));
    const error = await refusal(unknown.put(freshKey(), "x"));
    expect(error).toMatchObject({ code: "PermissionDenied", s3Code: unknownKey.s3Code, httpStatus: 403 });
    expect(error.message).toMatch(unknownKey.message);
  });

  it("404 NoSuchBucket: the bucket does not exist; create it or fix the name/endpoint", async () => {
    const missing = createStorage(s3Driver(options({ bucket: "no-such-bucket-stowage" })));
    const error = await refusal(missing.put("k", "x"));
    expect(error).toMatchObject({ code: "NotFound", s3Code: "NoSuchBucket", httpStatus: 404 });
    expect(error.message).toMatch(/^The bucket "no-such-bucket-stowage" does not exist on this server: create it, or check the bucket name, endpoint and region/);
  });

  it("no credentials anywhere: PermissionDenied naming both fixes, not Unknown", async () => {
    const names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_EC2_METADATA_DISABLED", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"];
    const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
    for (const name of names) delete process.env[name];
    Object.assign(process.env, { AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials", AWS_CONFIG_FILE: "/nonexistent/config", AWS_EC2_METADATA_DISABLED: "true" });
    try {
      const { credentials: _omitted, ...rest } = options();
      const anonymous = createStorage(s3Driver(rest));
      const error = await refusal(anonymous.head("anything"));
      expect(error.code).toBe("PermissionDenied");
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(/^No S3 credentials were found/);
      expect(error.message).toMatch(/pass credentials: \{ accessKeyId, secretAccessKey \}/);
      expect(error.message).toMatch(/set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    } finally {
      for (const name of names) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
  });
});
