import { DeleteObjectsCommand, ListMultipartUploadsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { StorageError, createStorage, isStorageError, type Storage } from "@stowage/core";
import { s3Driver, s3Profiles, type S3Driver, type S3DriverOptions, type S3Profile } from "@stowage/s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawClient, s3Environment } from "./s3-test-environment.ts";

const environment = s3Environment();
const mebibyte = 1024 * 1024;
const runId = `driver-test/${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}/`;

function bytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

/** A stream of `data` in 1 MiB chunks; optionally errors after `failAfter` bytes. */
function streamOf(data: Uint8Array, failAfter?: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (failAfter !== undefined && offset >= failAfter) {
        controller.error(new Error("the source broke"));
        return;
      }
      if (offset >= data.byteLength) {
        controller.close();
        return;
      }
      controller.enqueue(data.slice(offset, offset + mebibyte));
      offset += mebibyte;
    },
  });
}

async function eventually(check: () => Promise<boolean>, limitMs: number): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/** The server's profile (the `s3` project runs on Ceph RGW, `s3-swift` on OpenStack Swift). */
const profile: S3Profile | undefined = environment === null ? undefined : s3Profiles[environment.profile];

/**
 * A test that needs a profile fact: skipped, with the fact and its reason in
 * the title, on a server whose profile declares it off.
 */
function itWhen(fact: keyof S3Profile, reason: string, title: string, fn: () => Promise<void>, timeout?: number): void {
  if (profile !== undefined && profile[fact] === false) it.skip(`${title} [skipped on ${profile.name}: profile.${fact} is off: ${reason}]`, fn);
  else it(title, fn, timeout);
}

describe.skipIf(environment === null)(`s3 driver on ${environment?.label ?? "a real S3 server"}`, () => {
  let raw: S3Client;
  let driver: S3Driver;
  let storage: Storage;
  const make = (overrides: Partial<S3DriverOptions> = {}) =>
    s3Driver({
      bucket: environment!.bucket,
      region: environment!.region,
      endpoint: environment!.endpoint,
      credentials: { accessKeyId: environment!.accessKeyId, secretAccessKey: environment!.secretAccessKey },
      profile: environment!.profile,
      // Small thresholds so multipart paths run with bodies of a few MiB.
      multipartThreshold: 5 * mebibyte,
      partSize: 5 * mebibyte,
      ...overrides,
    });

  beforeAll(() => {
    raw = rawClient(environment!);
    driver = make();
    storage = createStorage(driver);
  });
  afterAll(async () => {
    const keys: string[] = [];
    for await (const object of storage.listAll({ prefix: runId })) keys.push(object.key);
    if (keys.length > 0) await storage.delete(keys);
  });

  async function openUploads(prefix: string): Promise<number> {
    const output = await raw.send(new ListMultipartUploadsCommand({ Bucket: environment!.bucket, Prefix: prefix }));
    return output.Uploads?.length ?? 0;
  }

  it("exposes its S3Client as raw", () => {
    expect(driver.raw).toBeInstanceOf(S3Client);
    expect(driver.profile.name).toBe(environment!.profile);
  });

  it("stores a stream of unknown length as a multipart upload and returns the real etag", async () => {
    const key = `${runId}multipart.bin`;
    const data = bytes(12 * mebibyte);
    const info = await storage.put(key, streamOf(data));
    expect(info.size).toBe(data.byteLength);
    expect(info.etag).toMatch(/^[0-9a-f]{32}-3$/); // 5 + 5 + 2 MiB
    const head = await storage.head(key);
    expect(head?.etag).toBe(info.etag);
    const object = await storage.get(key);
    expect(Buffer.from(await object!.bytes()).equals(Buffer.from(data))).toBe(true);
    expect(await openUploads(key)).toBe(0);
  });

  it("stores a small stream as one PutObject", async () => {
    const key = `${runId}single.bin`;
    const data = bytes(3 * mebibyte, 2);
    const info = await storage.put(key, streamOf(data));
    expect(info.etag).toBe(createHash("md5").update(data).digest("hex"));
    const sized = await storage.put(`${key}.sized`, streamOf(data), { size: data.byteLength });
    expect(sized.etag).toBe(info.etag);
  });

  it("aborts the multipart upload when the stream errors, leaving the old value and no upload", async () => {
    const key = `${runId}broken.bin`;
    await storage.put(key, "old value");
    const error = await rejection(storage.put(key, streamOf(bytes(20 * mebibyte, 3), 12 * mebibyte)));
    expect(isStorageError(error)).toBe(true);
    expect(await openUploads(key)).toBe(0);
    expect(await (await storage.get(key))!.text()).toBe("old value");
  });

  it("aborts the multipart upload on a wrong sha256 detected at the end of the stream", async () => {
    const key = `${runId}digest.bin`;
    await storage.put(key, "old value");
    const data = bytes(11 * mebibyte, 4);
    const wrong = createHash("sha256").update("something else").digest("hex");
    const error = await rejection(storage.put(key, streamOf(data), { sha256: wrong }));
    expect(isStorageError(error, "ChecksumMismatch")).toBe(true);
    expect(await openUploads(key)).toBe(0);
    expect(await (await storage.get(key))!.text()).toBe("old value");
    const right = createHash("sha256").update(data).digest("hex");
    const info = await storage.put(key, streamOf(data), { sha256: right });
    expect(info.size).toBe(data.byteLength);
  });

  it("aborts the multipart upload when the signal aborts midway", async () => {
    const key = `${runId}aborted.bin`;
    const controller = new AbortController();
    const data = bytes(30 * mebibyte, 5);
    let sent = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(streamController) {
        if (sent >= data.byteLength) return streamController.close();
        streamController.enqueue(data.slice(sent, sent + mebibyte));
        sent += mebibyte;
        if (sent === 12 * mebibyte) controller.abort(new Error("user gave up"));
      },
    });
    const error = await rejection(storage.put(key, source, { signal: controller.signal }));
    expect(isStorageError(error, "Aborted")).toBe(true);
    // An aborted put waits up to 250 ms for its AbortMultipartUpload, then
    // lets it finish in the background.
    expect(await eventually(async () => (await openUploads(key)) === 0, 10_000)).toBe(true);
    expect(driver.failedAborts).toEqual([]);
    expect(await storage.head(key)).toBeNull();
  });

  it("streams a get body, and a cancelled body frees the connection", async () => {
    const key = `${runId}download.bin`;
    const data = bytes(6 * mebibyte, 8);
    await storage.put(key, data);
    for (let round = 0; round < 12; round++) {
      const object = await storage.get(key);
      const reader = object!.body.getReader();
      const first = await reader.read();
      expect(first.done).toBe(false);
      expect(first.value!.byteLength).toBeLessThan(data.byteLength);
      await reader.cancel();
    }
    const whole = await (await storage.get(key))!.bytes();
    expect(Buffer.from(whole).equals(Buffer.from(data))).toBe(true);
    const ranged = await storage.get(key, { range: { offset: mebibyte, length: 10 } });
    expect(ranged!.range).toEqual({ offset: mebibyte, length: 10 });
    expect(ranged!.size).toBe(data.byteLength);
    expect(Buffer.from(await ranged!.bytes()).equals(Buffer.from(data.subarray(mebibyte, mebibyte + 10)))).toBe(true);
  });

  it("fails a get body with Aborted when the signal aborts mid-download", async () => {
    const key = `${runId}abort-download.bin`;
    await storage.put(key, bytes(8 * mebibyte, 9));
    const controller = new AbortController();
    const object = await storage.get(key, { signal: controller.signal });
    const reader = object!.body.getReader();
    await reader.read();
    controller.abort();
    const error = await rejection(
      (async () => {
        for (;;) if ((await reader.read()).done) break;
      })(),
    );
    expect(isStorageError(error, "Aborted")).toBe(true);
  });

  it("the idle timeout also ends a get body nobody reads from", async () => {
    const key = `${runId}idle-download.bin`;
    await storage.put(key, bytes(16 * mebibyte, 10));
    const idle = createStorage(make({ timeouts: { idle: 300 } }));
    const object = await idle.get(key);
    const reader = object!.body.getReader();
    await reader.read();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const error = await rejection(
      (async () => {
        for (;;) if ((await reader.read()).done) break;
      })(),
    );
    expect(isStorageError(error, "Unavailable")).toBe(true);
  });

  itWhen("putIfNotExists", "the server answers 501 to conditional PUTs", "buffers a conditional put up to conditionalPutLimit (RGW ignores conditions on multipart) and refuses more", async () => {
    const limited = createStorage(make({ conditionalPutLimit: 8 * mebibyte }));
    const key = `${runId}conditional.bin`;
    const info = await limited.put(key, streamOf(bytes(7 * mebibyte, 6)), { ifNotExists: true });
    expect(info.etag).not.toContain("-");
    const again = await rejection(limited.put(key, streamOf(bytes(7 * mebibyte, 6)), { ifNotExists: true }));
    expect(isStorageError(again, "AlreadyExists")).toBe(true);
    const big = await rejection(limited.put(`${key}.big`, streamOf(bytes(10 * mebibyte, 7)), { ifNotExists: true }));
    expect(isStorageError(big, "Unsupported")).toBe(true);
    expect(await openUploads(`${key}.big`)).toBe(0);
    expect(await limited.head(`${key}.big`)).toBeNull();
  });

  itWhen("putIfMatch", "the server answers 501 to conditional PUTs", "refuses a malformed If-Match etag that RGW would match by prefix", async () => {
    const key = `${runId}prefix-etag.txt`;
    const info = await storage.put(key, "value");
    for (const stale of [`${info.etag}-stale`, `${info.etag}x`]) {
      const error = await rejection(storage.put(key, "other", { ifMatch: stale }));
      expect(isStorageError(error, "PreconditionFailed")).toBe(true);
    }
    expect(await (await storage.get(key))!.text()).toBe("value");
    await storage.put(key, "next", { ifMatch: info.etag });
    expect(await (await storage.get(key))!.text()).toBe("next");
  });

  it("maps a wrong secret to PermissionDenied, a missing bucket to NotFound and a dead endpoint to Unavailable", async () => {
    const wrongSecret = createStorage(make({ credentials: { accessKeyId: environment!.accessKeyId, secretAccessKey: "wrong" } }));
    expect(isStorageError(await rejection(wrongSecret.put(`${runId}x`, "x")), "PermissionDenied")).toBe(true);
    const noBucket = createStorage(make({ bucket: "no-such-bucket-stowage" }));
    expect(isStorageError(await rejection(noBucket.list()), "NotFound")).toBe(true);
    const dead = createStorage(make({ endpoint: "http://127.0.0.1:9" }));
    const error = await rejection(dead.head(`${runId}x`));
    expect(isStorageError(error, "Unavailable")).toBe(true);
    expect((error as { retryable: boolean }).retryable).toBe(true);
  });

  it("surfaces per-key errors of DeleteObjects", async () => {
    const client = rawClient(environment!);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === "DeleteObjectsCommand") {
          (result.output as { Errors?: unknown[] }).Errors = [{ Key: `${runId}locked`, Code: "AccessDenied", Message: "Access Denied" }];
        }
        return result;
      },
      { step: "initialize", name: "injectDeleteErrors" },
    );
    const withErrors = createStorage(make({ client }));
    await storage.put(`${runId}locked`, "x");
    await storage.put(`${runId}free`, "x");
    const error = await rejection(withErrors.delete([`${runId}locked`, `${runId}free`]));
    expect(isStorageError(error, "PermissionDenied")).toBe(true);
    expect((error as Error).message).toContain(`${runId}locked`);
    expect(DeleteObjectsCommand).toBeDefined();
  });
  it("signs GETs as attachments unless the signer opts in to inline", async () => {
    const key = `${runId}page.html`;
    await storage.put(key, "<script>document.title = 'ran'</script>", { contentType: "text/html" });
    const fetched = async (options: Parameters<Storage["signGet"]>[1]) => {
      const response = await fetch((await storage.signGet(key, options)).url);
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      return response.headers;
    };
    const byDefault = await fetched({});
    expect(byDefault.get("content-disposition")).toBe("attachment");
    expect(byDefault.get("content-type")).toBe("text/html");
    expect((await fetched({ downloadFilename: "page.html" })).get("content-disposition")).toBe('attachment; filename="page.html"');
    expect((await fetched({ inline: true } as Parameters<Storage["signGet"]>[1])).get("content-disposition")).toBeNull();
  });

  it("GET conditions compare the whole etag (RGW matches a prefix: `<etag>x` would match)", async () => {
    const key = `${runId}get-conditions.txt`;
    const info = await storage.put(key, "conditional get");
    const stale = await rejection(storage.get(key, { ifMatch: `${info.etag}x` }));
    expect(isStorageError(stale, "PreconditionFailed")).toBe(true);
    expect(await (await storage.get(key, { ifNoneMatch: `${info.etag}x` }))!.text()).toBe("conditional get");
    // Well-formed, and starts with the etag: RGW answers 304 and the driver confirms by a HEAD.
    expect(await (await storage.get(key, { ifNoneMatch: `${info.etag}-2` }))!.text()).toBe("conditional get");
    expect(isStorageError(await rejection(storage.get(key, { ifMatch: `${info.etag}-2` })), "PreconditionFailed")).toBe(true);
    expect(await (await storage.get(key, { ifMatch: info.etag }))!.text()).toBe("conditional get");
    expect(isStorageError(await rejection(storage.get(key, { ifNoneMatch: info.etag })), "NotModified")).toBe(true);
    const ranged = await storage.get(key, { ifMatch: info.etag, range: { suffix: 3 } });
    expect(await ranged!.text()).toBe("get");
    expect(isStorageError(await rejection(storage.get(key, { ifMatch: `${info.etag}x`, range: { suffix: 3 } })), "PreconditionFailed")).toBe(true);
    expect(await storage.get(`${key}.missing`, { ifMatch: `${info.etag}x` })).toBeNull();
  });

  it("a suffix range of an empty object is RangeNotSatisfiable (Swift ignores the Range and answers 200)", async () => {
    const key = `${runId}empty.bin`;
    await storage.put(key, new Uint8Array(0));
    for (const range of [{ suffix: 1 }, { suffix: 10 }, { offset: 0 }, { offset: 0, length: 1 }]) {
      expect(isStorageError(await rejection(storage.get(key, { range })), "RangeNotSatisfiable"), JSON.stringify(range)).toBe(true);
    }
    expect((await (await storage.get(key))!.bytes()).byteLength).toBe(0);
  });

  describe("a server that ignores Range (a client that drops the header: any server may ignore it)", () => {
    let ignoring: Storage;
    beforeAll(() => {
      const client = rawClient(environment!);
      client.middlewareStack.add(
        (next) => async (args) => {
          const headers = (args.request as { headers: Record<string, string> }).headers;
          for (const name of Object.keys(headers)) if (name.toLowerCase() === "range") delete headers[name];
          return next(args);
        },
        { step: "build", name: "dropRange" },
      );
      ignoring = createStorage(make({ client }));
    });

    it("cuts the whole body to the requested bytes, with the range and the full size", async () => {
      const key = `${runId}ignored-range.txt`;
      await storage.put(key, "0123456789");
      const cases = [
        { range: { offset: 2, length: 3 }, text: "234", offset: 2 },
        { range: { offset: 7 }, text: "789", offset: 7 },
        { range: { offset: 8, length: 100 }, text: "89", offset: 8 },
        { range: { suffix: 4 }, text: "6789", offset: 6 },
        { range: { suffix: 40 }, text: "0123456789", offset: 0 },
      ];
      for (const { range, text, offset } of cases) {
        const object = await ignoring.get(key, { range });
        expect(await object!.text(), JSON.stringify(range)).toBe(text);
        expect(object!.range).toEqual({ offset, length: text.length });
        expect(object!.size).toBe(10);
      }
      const big = bytes(3 * mebibyte, 12);
      await storage.put(`${key}.big`, big);
      const slice = await ignoring.get(`${key}.big`, { range: { offset: mebibyte + 5, length: mebibyte } });
      expect(Buffer.from(await slice!.bytes()).equals(Buffer.from(big.subarray(mebibyte + 5, 2 * mebibyte + 5)))).toBe(true);
    });

    it("refuses a range that selects nothing with RangeNotSatisfiable", async () => {
      const key = `${runId}ignored-range-empty.txt`;
      await storage.put(key, "");
      await storage.put(`${key}.short`, "abc");
      expect(isStorageError(await rejection(ignoring.get(key, { range: { suffix: 1 } })), "RangeNotSatisfiable")).toBe(true);
      expect(isStorageError(await rejection(ignoring.get(`${key}.short`, { range: { offset: 3 } })), "RangeNotSatisfiable")).toBe(true);
    });
  });

  it("lists keys XML 1.0 cannot carry (U+FFFF, U+FFFE) and URL-like keys exactly, with prefixes and cursors", async () => {
    const base = `${runId}odd keys/`;
    const keys = [`${base}a\uffffb`, `${base}c\ufffed`, `${base}plus+and space`, `${base}percent%20literal`, `${base}dir\uffff/x`, `${base}é 日本`];
    for (const key of keys) await storage.put(key, "x");
    const listed: string[] = [];
    for await (const object of storage.listAll({ prefix: base })) listed.push(object.key);
    expect(listed.sort()).toEqual([...keys].sort());
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await storage.list({ prefix: base, limit: 2, ...(cursor === undefined ? {} : { cursor }) });
      paged.push(...page.objects.map((object) => object.key));
      cursor = page.cursor;
    } while (cursor !== undefined);
    expect(paged.sort()).toEqual([...keys].sort());
    const top = await storage.list({ prefix: base, delimiter: "/" });
    expect(top.prefixes).toEqual([`${base}dir\uffff/`]);
    expect(top.objects.map((object) => object.key).sort()).toEqual(keys.filter((key) => !key.includes("/x")).sort());
  });

  it("deletes several keys in one DeleteObjects (Swift needs Content-MD5 and refuses the SDK's CRC32)", async () => {
    const keys = [`${runId}multi/1`, `${runId}multi/2`, `${runId}multi/3`];
    for (const key of keys) await storage.put(key, "x");
    await storage.delete(keys);
    for (const key of keys) expect(await storage.head(key)).toBeNull();
  });

  it("the Content-MD5 it sends is the body's own (a profile with deleteObjectsNeedsContentMd5 on this server too)", async () => {
    const md5Profile: S3Profile = { ...profile!, name: `${profile!.name}+md5`, deleteObjectsNeedsContentMd5: true };
    const client = rawClient(environment!);
    const sent: Record<string, string>[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        sent.push({ ...(args.request as { headers: Record<string, string> }).headers });
        return next(args);
      },
      { step: "finalizeRequest", name: "recordHeaders" },
    );
    const md5Storage = createStorage(make({ client, profile: md5Profile }));
    const keys = [`${runId}md5/1`, `${runId}md5/2`];
    for (const key of keys) await storage.put(key, "x");
    await md5Storage.delete(keys);
    for (const key of keys) expect(await storage.head(key)).toBeNull();
    const headers = sent.at(-1)!;
    expect(headers["content-md5"]).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(Object.keys(headers).filter((name) => name.startsWith("x-amz-checksum-") || name === "x-amz-sdk-checksum-algorithm")).toEqual([]);
  });

  it("refuses a metadata value longer than the profile's server stores with InvalidArgument, before sending", async () => {
    const key = `${runId}long-metadata.txt`;
    const limit = profile!.maxMetadataValueBytes;
    if (limit === undefined) {
      // No per-value limit: a 2,000-byte value is stored (core's limit is 2 KiB in all).
      await storage.put(key, "x", { metadata: { long: "v".repeat(2000) } });
      expect((await storage.head(key))!.metadata.long).toHaveLength(2000);
      return;
    }
    const refused = await rejection(storage.put(key, "x", { metadata: { long: "v".repeat(limit + 1) } }));
    expect(isStorageError(refused, "InvalidArgument")).toBe(true);
    expect((refused as Error).message).toContain("maxMetadataValueBytes");
    expect(await storage.head(key)).toBeNull();
    const refusedStream = await rejection(storage.put(key, streamOf(bytes(6 * mebibyte, 13)), { metadata: { long: "v".repeat(limit + 1) } }));
    expect(isStorageError(refusedStream, "InvalidArgument")).toBe(true);
    await storage.put(key, "x", { metadata: { long: "v".repeat(limit) } });
    expect((await storage.head(key))!.metadata.long).toHaveLength(limit);
  });

  it("an object stored without a content type reads back as application/octet-stream, not S3's binary/octet-stream", async () => {
    const key = `${runId}no-type.bin`;
    await raw.send(new PutObjectCommand({ Bucket: environment!.bucket, Key: key, Body: "x" }));
    expect((await storage.head(key))!.contentType).toBe("application/octet-stream");
    expect((await storage.get(key))!.contentType).toBe("application/octet-stream");
  });

  it("refuses unknown, misspelt and inapplicable options", () => {
    const base = { bucket: environment!.bucket, region: environment!.region, endpoint: environment!.endpoint };
    const refusal = (options: unknown): StorageError => {
      try {
        s3Driver(options as S3DriverOptions);
      } catch (error) {
        expect(isStorageError(error, "InvalidArgument")).toBe(true);
        return error as StorageError;
      }
      throw new Error("expected s3Driver to refuse its options");
    };
    expect(refusal({ ...base, timeout: { idle: 1000 } }).message).toContain('"timeouts"');
    expect(refusal({ ...base, partsize: 6 * mebibyte }).message).toContain('"partSize"');
    expect(refusal({ ...base, timeouts: { conect: 1000 } }).message).toContain('"connect"');
    expect(refusal({ ...base, timeouts: { idle: -1 } }).message).toContain("timeouts.idle");
    expect(refusal({ ...base, timeouts: { cleanup: 0 } }).message).toContain("timeouts.cleanup");
    expect(refusal({ ...base, client: raw, timeouts: { idle: 1000 } }).message).toContain("client you pass in");
    expect(refusal({ region: "us-east-1" }).message).toContain("bucket");
    expect(refusal(null).message).toContain("bucket and region");
    // With your own client, only the cleanup limit applies.
    expect(s3Driver({ ...base, client: raw, timeouts: { cleanup: 500 } }).raw).toBe(raw);
  });

  it("refuses misspelt abortUploads and cleanup options", async () => {
    const refused = await rejection(driver.abortUploads({ olderthan: 1000 } as never));
    expect(isStorageError(refused, "InvalidArgument")).toBe(true);
    expect((refused as Error).message).toContain('"olderThan"');
    expect(isStorageError(await rejection(driver.cleanup({ prefix: "x" } as never)), "InvalidArgument")).toBe(true);
    expect(isStorageError(await rejection(driver.abortUploads({ olderThan: -5 })), "InvalidArgument")).toBe(true);
    expect(await driver.cleanup()).toEqual({ aborted: [], failed: [] });
  });

  describe("against a server that accepts connections and never answers", () => {
    let server: Server;
    const sockets = new Set<Socket>();
    let endpoint = "";
    beforeAll(async () => {
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.resume();
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    it("the idle timeout fails a call with Unavailable (retryable) instead of hanging", async () => {
      const silent = createStorage(make({ endpoint, timeouts: { idle: 300 } }));
      const error = await rejection(silent.head(`${runId}x`));
      expect(isStorageError(error, "Unavailable")).toBe(true);
      expect((error as StorageError).retryable).toBe(true);
      expect(String((error as Error).message)).toMatch(/TimeoutError|timed out/);
    });

    it("a request timeout, when set, also bounds the call", async () => {
      const silent = createStorage(make({ endpoint, timeouts: { idle: 0, request: 300 } }));
      const error = await rejection(silent.list({ prefix: runId }));
      expect(isStorageError(error, "Unavailable")).toBe(true);
    });

    it("a signal stops a call that no timeout bounds", async () => {
      const silent = make({ endpoint, timeouts: { idle: 0 } });
      const error = await rejection(silent.head(`${runId}x`, { signal: AbortSignal.timeout(200) }));
      expect(isStorageError(error, "Aborted")).toBe(true);
    });
  });
});
