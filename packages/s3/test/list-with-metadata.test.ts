// s3Driver({ expiry: true }): the expiry capability, and list returning each
// object's metadata (one HeadObject per listed object, at most 16 at once).
// Without the option ListObjectsV2 alone answers, with no metadata.
import { DeleteObjectCommand } from "@aws-sdk/client-s3";
import { createStorage, type DriverListOptions, type ObjectInfo } from "@stowage/core";
import { s3Driver } from "@stowage/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3Environment } from "./s3-test-environment.ts";
import { recordingClient, rejectionOf, runPrefix, testDriver } from "./s3-test-driver.ts";

const environment = s3Environment();
const base = { bucket: "b", region: "us-east-1", endpoint: "http://127.0.0.1:9", credentials: { accessKeyId: "a", secretAccessKey: "s" } };

describe("s3Driver expiry option", () => {
  it("is off by default, with a hint naming the option and a lifecycle rule", () => {
    const driver = s3Driver(base);
    expect(driver.capabilities.expiry).toBe(false);
    expect(driver.capabilities.signGetExpiry).toBe(false);
    expect(driver.capabilityHints!.expiry).toMatch(/expiry: true/);
    expect(driver.capabilityHints!.expiry).toMatch(/lifecycle rule/);
    driver.raw.destroy();
  });

  it("expiry: true switches expiry on; signed GETs stay native (signGetExpiry off)", () => {
    const driver = s3Driver({ ...base, expiry: true });
    expect(driver.capabilities.expiry).toBe(true);
    expect(driver.capabilities.signGetExpiry).toBe(false);
    expect(driver.capabilityHints!.expiry).toBeUndefined();
    expect(driver.capabilityHints!.signGetExpiry).toMatch(/HEADs the object first/);
    driver.raw.destroy();
  });

  it("refuses a value that is not a boolean, and a misspelt name", async () => {
    for (const value of ["true", 1, null]) {
      const error = await rejectionOf(Promise.resolve().then(() => s3Driver({ ...base, expiry: value as unknown as boolean })));
      expect(error.code).toBe("InvalidArgument");
      expect(error.message).toMatch(/expiry must be true or false/);
    }
    const misspelt = await rejectionOf(Promise.resolve().then(() => s3Driver({ ...base, expiries: true } as never)));
    expect(misspelt.code).toBe("InvalidArgument");
    expect(misspelt.message).toMatch(/expiry/);
  });
});

describe.skipIf(environment === null)(`list with metadata on ${environment?.label ?? "an S3 server"}`, () => {
  const plain = testDriver(environment!);
  const withExpiry = testDriver(environment!, { expiry: true });
  const storage = createStorage(plain);
  const prefix = runPrefix("list-with-metadata");
  const names = Array.from({ length: 40 }, (_, index) => `k${String(index).padStart(2, "0")}`);
  const keys = names.map((name) => `${prefix}${name}`);
  const listOptions = (extra: Partial<DriverListOptions> = {}): DriverListOptions => ({ prefix, limit: 1000, ...extra });

  beforeAll(async () => {
    await Promise.all(
      keys.map((key, index) =>
        storage.put(key, `value ${index}`, {
          contentType: "text/plain",
          cacheControl: "max-age=60",
          contentDisposition: `attachment; filename="${index}.txt"`,
          metadata: { index: String(index), owner: "list-test" },
        }),
      ),
    );
  });
  afterAll(async () => {
    await storage.delete(keys);
    plain.raw.destroy();
    withExpiry.raw.destroy();
  });

  it("without the option, list returns no metadata (ListObjectsV2 has none)", async () => {
    const page = await plain.list(listOptions());
    expect(page.objects.map((object) => object.key)).toEqual(keys);
    for (const object of page.objects) {
      expect(object.metadata).toEqual({});
      expect(object.contentType).toBe("");
    }
  });

  it("with expiry: true, list returns each object's HEAD info (content type, content-* fields, metadata) in list order", async () => {
    const page = await withExpiry.list(listOptions());
    expect(page.objects.map((object) => object.key)).toEqual(keys);
    for (const [index, object] of page.objects.entries()) {
      expect(object.metadata).toEqual({ index: String(index), owner: "list-test" });
      expect(object.contentType).toBe("text/plain");
      expect(object.cacheControl).toBe("max-age=60");
      expect(object.contentDisposition).toBe(`attachment; filename="${index}.txt"`);
      const head = (await plain.head(object.key, {})) as ObjectInfo;
      expect(object).toEqual(head);
    }
  });

  it("pages keep their cursor, prefixes and size", async () => {
    const first = await withExpiry.list(listOptions({ limit: 3 }));
    expect(first.objects.map((object) => object.key)).toEqual(keys.slice(0, 3));
    expect(first.cursor).toBeDefined();
    const second = await withExpiry.list(listOptions({ limit: 3, cursor: first.cursor }));
    expect(second.objects.map((object) => object.key)).toEqual(keys.slice(3, 6));
    expect(second.objects[0]!.metadata.index).toBe("3");
    const delimited = await withExpiry.list({ prefix: "list-with-metadata/", delimiter: "/", limit: 1000 });
    expect(delimited.prefixes).toContain(prefix);
  });

  it("sends one HeadObject per listed object, at most 16 at once", async () => {
    const recorder = recordingClient(environment!);
    const driver = testDriver(environment!, { client: recorder.client, expiry: true });
    let inFlight = 0;
    let peak = 0;
    recorder.setHook(async (command) => {
      if (command !== "HeadObjectCommand") return;
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
    });
    try {
      const page = await driver.list(listOptions());
      expect(page.objects).toHaveLength(keys.length);
      expect(recorder.sent.filter((command) => command === "HeadObjectCommand")).toHaveLength(keys.length);
      expect(recorder.sent.filter((command) => command === "ListObjectsV2Command")).toHaveLength(1);
      expect(peak).toBe(16);
    } finally {
      recorder.client.destroy();
    }
  });

  it("drops an object deleted between the listing and its HEAD", async () => {
    const recorder = recordingClient(environment!);
    const driver = testDriver(environment!, { client: recorder.client, expiry: true });
    const gone = `${prefix}vanishing`;
    await storage.put(gone, "soon gone", { metadata: { owner: "list-test" } });
    recorder.setHook(async (command, input) => {
      if (command === "HeadObjectCommand" && input.Key === gone) {
        await recorder.client.send(new DeleteObjectCommand({ Bucket: environment!.bucket, Key: gone }));
      }
    });
    try {
      const page = await driver.list(listOptions());
      expect(recorder.sent).toContain("HeadObjectCommand");
      expect(page.objects.map((object) => object.key)).toEqual(keys);
    } finally {
      recorder.client.destroy();
    }
  });

  it("a failing HEAD fails the page and stops the HEADs not yet sent", async () => {
    const recorder = recordingClient(environment!);
    const driver = testDriver(environment!, { client: recorder.client, expiry: true });
    recorder.setHook((command, input) => {
      if (command === "HeadObjectCommand" && input.Key === keys[0]) throw new Error("the HEAD broke");
    });
    try {
      const error = await rejectionOf(driver.list(listOptions()));
      expect(error.message).toMatch(/the HEAD broke/);
      expect(recorder.sent.filter((command) => command === "HeadObjectCommand").length).toBeLessThan(keys.length);
    } finally {
      recorder.client.destroy();
    }
  });

  it("an aborted signal stops the HEADs and fails the list with Aborted", async () => {
    const recorder = recordingClient(environment!);
    const driver = testDriver(environment!, { client: recorder.client, expiry: true });
    const controller = new AbortController();
    recorder.setHook((command) => {
      if (command === "HeadObjectCommand") controller.abort(new Error("stop"));
    });
    try {
      const error = await rejectionOf(driver.list(listOptions({ signal: controller.signal })));
      expect(error.code).toBe("Aborted");
      expect(recorder.sent.filter((command) => command === "HeadObjectCommand").length).toBeLessThan(keys.length);
    } finally {
      recorder.client.destroy();
    }
  });

  it("an abort cancels the HEADs in flight (the signal reaches each request)", async () => {
    const recorder = recordingClient(environment!);
    // HEADs wait in the request handler until their request is aborted (or 10 s).
    const config = recorder.client.config as unknown as { requestHandler: { handle: (...args: unknown[]) => Promise<unknown> } };
    const inner = config.requestHandler;
    config.requestHandler = Object.assign(Object.create(inner) as object, {
      handle: async (request: { method: string }, options: { abortSignal?: AbortSignal } = {}) => {
        if (request.method === "HEAD") {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 10_000);
            options.abortSignal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
          });
        }
        return inner.handle(request, options);
      },
    }) as typeof inner;
    const driver = testDriver(environment!, { client: recorder.client, expiry: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("stop")), 100);
    const started = Date.now();
    try {
      const error = await rejectionOf(driver.list(listOptions({ signal: controller.signal })));
      expect(error.code).toBe("Aborted");
      // Without the signal on each HEAD the page waits out the handler's 10 s.
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      recorder.client.destroy();
    }
  });

  it("through a Storage, list shows the metadata only with the option", async () => {
    const listed = await createStorage(withExpiry).list({ prefix, limit: 2 });
    expect(listed.objects.map((object) => object.metadata.index)).toEqual(["0", "1"]);
    const bare = await storage.list({ prefix, limit: 2 });
    expect(bare.objects.map((object) => object.metadata)).toEqual([{}, {}]);
  });
});
