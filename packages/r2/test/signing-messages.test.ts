import { env } from "cloudflare:workers";
import { createHmacSigner, createStorage, isStorageError, type Storage } from "@stowage/core";
import { r2Driver, r2Presigner, type R2Driver } from "@stowage/r2";
import { describe, expect, expectTypeOf, it } from "vitest";
import { presignReference } from "../test-fixtures/presign-reference.ts";

const bucket = (env as unknown as { BUCKET: R2Bucket }).BUCKET;
const presigner = () =>
  r2Presigner({
    accountId: presignReference.accountId,
    bucketName: presignReference.bucketName,
    accessKeyId: presignReference.accessKeyId,
    secretAccessKey: presignReference.secretAccessKey,
  });

async function rejection(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isStorageError(error)) throw new Error(`expected a StorageError, got ${String(error)}`);
  return error;
}

describe("r2: messages name the fix", () => {
  it("signPut and signGet without signing name r2Presigner (native) and createHmacSigner with createSignedUrlHandler (gateway)", async () => {
    const storage = createStorage(r2Driver({ bucket }));
    for (const error of [await rejection(storage.signPut("a")), await rejection(storage.signGet("a"))]) {
      expect(error.code).toBe("Unsupported");
      expect(error.message).toContain("pass `signing: r2Presigner({ accountId, bucketName, accessKeyId, secretAccessKey })` to r2Driver()");
      expect(error.message).toContain("createHmacSigner({ secrets, baseUrl })");
      expect(error.message).toContain("createSignedUrlHandler");
    }
  });

  it("with r2Presigner, maxSize, oneTime and ifNotExists name their capability and the gateway mode", async () => {
    const storage = createStorage(r2Driver({ bucket, signing: presigner() }));
    for (const [options, capability] of [
      [{ maxSize: 10 }, "signPutMaxSize"],
      [{ oneTime: true }, "signPutOneTime"],
      [{ ifNotExists: true }, "signPutIfNotExists"],
    ] as const) {
      const check = storage.checkSignPut(options);
      expect(check.ok).toBe(false);
      if (check.ok) return;
      expect(check.reason).toContain(`capability ${capability} is off`);
      expect(check.reason).toContain("createHmacSigner({ secrets, baseUrl })");
      expect((await rejection(storage.signPut("a", options))).message).toBe(check.reason);
    }
    expect(storage.driver.signPutConflicts).toEqual([]);
    expect(storage.checkSignPut({ contentType: "image/png", size: 42 })).toEqual({ ok: true });
  });

  it("in gateway mode nothing is refused", () => {
    const signing = createHmacSigner({ secrets: [{ id: "k", secret: "an r2 test secret of thirty-two bytes" }], baseUrl: "https://files.example.com/s" });
    const storage = createStorage(r2Driver({ bucket, signing }));
    expect(storage.driver.signPutConflicts).toEqual([]);
    expect(storage.checkSignPut({ contentType: "text/plain", size: 1, maxSize: 2, oneTime: true, ifNotExists: true })).toEqual({ ok: true });
  });
});

describe("r2: typed escape hatch", () => {
  it("createStorage(r2Driver(…)).driver.raw is the R2Bucket binding", () => {
    const storage = createStorage(r2Driver({ bucket }));
    expectTypeOf(storage).toEqualTypeOf<Storage<R2Driver>>();
    expectTypeOf(storage.driver.raw).not.toBeUnknown();
    expectTypeOf(storage.driver.raw.head).toBeFunction();
    // @ts-expect-error: raw is the R2 binding, not any
    void storage.driver.raw.headd;
    expect(storage.driver.raw).toBe(bucket);
  });
});
