import type { S3Client } from "@aws-sdk/client-s3";
import { createStorage, isStorageError, type Storage } from "@stowage/core";
import { s3Driver, type S3Driver, type S3ProfileName } from "@stowage/s3";
import { describe, expect, expectTypeOf, it } from "vitest";

// What S3 signing refuses, as data, checked without a server: minting is
// local (the credentials are given), so these run with or without Ceph RGW.
function driverFor(profile: S3ProfileName): S3Driver {
  return s3Driver({
    bucket: "uploads",
    region: "us-east-1",
    endpoint: "http://127.0.0.1:9",
    forcePathStyle: true,
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
    profile,
  });
}

async function rejection(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isStorageError(error)) throw new Error(`expected a StorageError, got ${String(error)}`);
  return error;
}

describe("s3: refused signPut combinations are declared", () => {
  it("ceph-rgw and aws declare maxSize + ifNotExists (a POST policy cannot be create-only), lifted by an exact size", async () => {
    for (const profile of ["ceph-rgw", "aws"] as const) {
      const storage = createStorage(driverFor(profile));
      expect(storage.driver.signPutConflicts).toEqual([
        expect.objectContaining({ constraints: ["maxSize", "ifNotExists"], unless: ["size"] }),
      ]);
      const check = storage.checkSignPut({ maxSize: 1024, ifNotExists: true });
      expect(check.ok).toBe(false);
      if (check.ok) return;
      expect(check.code).toBe("Unsupported");
      expect(check.reason).toContain("cannot combine maxSize with ifNotExists");
      expect(check.reason).toContain("POST policy");
      expect(check.reason).toContain("exact size");
      expect((await rejection(storage.signPut("a", { maxSize: 1024, ifNotExists: true }))).message).toBe(check.reason);
      // An exact size makes it a presigned PUT, which can be create-only.
      expect(storage.checkSignPut({ size: 100, maxSize: 1024, ifNotExists: true })).toEqual({ ok: true });
      const put = await storage.signPut("a", { size: 100, maxSize: 1024, ifNotExists: true });
      expect(put.method).toBe("PUT");
      expect(put.headers["if-none-match"]).toBe("*");
      // maxSize alone is a POST form.
      expect((await storage.signPut("a", { maxSize: 1024 })).method).toBe("POST");
    }
  });

  it("profiles without POST policies or signed If-None-Match declare no conflict; the capability is off and its message says why", async () => {
    const r2 = createStorage(driverFor("r2"));
    expect(r2.driver.signPutConflicts).toEqual([]);
    const maxSize = r2.checkSignPut({ maxSize: 10 });
    expect(maxSize.ok || maxSize.reason).toContain("capability signPutMaxSize is off");
    expect(maxSize.ok || maxSize.reason).toContain("no POST policy uploads; sign the file's exact size");
    const minio = createStorage(driverFor("minio"));
    expect(minio.driver.signPutConflicts).toEqual([]);
    const ifNotExists = minio.checkSignPut({ ifNotExists: true });
    expect(ifNotExists.ok || ifNotExists.reason).toContain("the minio profile does not enforce a signed If-None-Match");
  });

  it("oneTime is refused naming the capability and the create-only alternative", async () => {
    const storage = createStorage(driverFor("ceph-rgw"));
    const error = await rejection(storage.signPut("a", { oneTime: true }));
    expect(error.code).toBe("Unsupported");
    expect(error.message).toContain("capability signPutOneTime is off");
    expect(error.message).toContain("sign ifNotExists (create-only)");
  });
});

describe("s3: typed escape hatch", () => {
  it("createStorage(s3Driver(…)).driver.raw is the S3Client", () => {
    const storage = createStorage(driverFor("ceph-rgw"));
    expectTypeOf(storage).toEqualTypeOf<Storage<S3Driver>>();
    expectTypeOf(storage.driver.raw).toEqualTypeOf<S3Client>();
    // @ts-expect-error: raw is an S3Client, not any
    void storage.driver.raw.sendd;
    expect(typeof storage.driver.raw.send).toBe("function");
    storage.driver.raw.destroy();
  });
});
