import { sha256Hex, type ObjectInfo, type SignedRequest, type UploadSession } from "@stowage/core";
import type { CaseContext } from "../conformance-case.js";
import { defineCase } from "../conformance-case.js";
import { assertDeepEqual, assertEqual, assertRejectsWith, assertTrue, fail } from "../assert.js";
import { alter, assertAbsent, expectOk, expectRejected, expectStatus, listKeys, patternBytes, withParam } from "../case-tools.js";

// Multipart upload sessions (`storage.uploads`): the server creates and
// completes, an unauthenticated client PUTs parts to signed part URLs.

const mebibyte = 1024 * 1024;
/** The smallest part every backend takes (S3's minimum), so each case stays near 10 MiB. */
const partSize = 5 * mebibyte;

/** Part `partNumber`'s bytes of `bytes` under the session's part size. */
function partOf(bytes: Uint8Array, session: UploadSession, partNumber: number): Uint8Array {
  const start = (partNumber - 1) * session.partSize;
  return bytes.subarray(start, Math.min(bytes.byteLength, start + session.partSize));
}

/**
 * PUTs a part as the signed request says: its method, its headers and the
 * body as bytes. When the body's length differs from a signed
 * Content-Length, that header is left to the HTTP client (which declares
 * the body's real length, as a browser must), so the server judges it.
 */
async function sendPart(context: CaseContext, signed: SignedRequest, body: Uint8Array, url = signed.url): Promise<Response> {
  const headers = new Headers(signed.headers);
  if (headers.get("content-length") !== null && headers.get("content-length") !== String(body.byteLength)) headers.delete("content-length");
  return context.fetch(new Request(url, { method: signed.method, headers, body: body.slice() as Uint8Array<ArrayBuffer> }));
}

/** Uploads every part of `bytes`, in `order` (part numbers). */
async function uploadAll(context: CaseContext, session: UploadSession, bytes: Uint8Array, order: number[]): Promise<void> {
  const signed = await context.storage.uploads.signParts(session, order);
  assertEqual(signed.length, order.length, "signParts gives one request per part number");
  for (const [index, partNumber] of order.entries()) {
    await expectOk(await sendPart(context, signed[index]!, partOf(bytes, session, partNumber)), `the PUT of part ${partNumber}`);
  }
}

async function listedUploadIds(context: CaseContext): Promise<string[]> {
  return (await context.storage.uploads.list({ prefix: context.prefix })).map((upload) => upload.uploadId);
}

/** The fields a completed upload's info and head must agree on. */
function comparable(info: ObjectInfo): Record<string, unknown> {
  return { key: info.key, size: info.size, etag: info.etag, contentType: info.contentType, metadata: info.metadata };
}

/** The query parameter of a part URL that carries the part number (S3: partNumber; stowage's HMAC URLs: part). */
function partNumberParam(url: string): string {
  const name = [...new URL(url).searchParams.keys()].find((each) => /^part(number)?$/i.test(each));
  if (name === undefined) fail(`no part-number parameter in the part URL ${new URL(url).search}`);
  return name;
}

/** The query parameter of a part URL that carries its signature. */
function signatureParam(url: string): string {
  const name = [...new URL(url).searchParams.keys()].find((each) => /signature|^sig$/i.test(each));
  if (name === undefined) fail(`no signature parameter in the part URL ${new URL(url).search}`);
  return name;
}

export const uploadSessionCases = [
  defineCase({
    name: "uploads: parts PUT out of order are listed and complete into the exact bytes, type and metadata",
    requires: ["multipartUpload", "signUploadPart"],
    async run(context) {
      const { storage, key } = context;
      const target = key("round trip.bin");
      const size = 2 * partSize + 4321;
      const bytes = patternBytes(size, 14);
      const metadata = { origin: "conformance", step: "multipart" };
      const session = await storage.uploads.create(target, { size, contentType: "application/x-stowage-parts", metadata, partSize });
      assertEqual(session.partSize, partSize, "the session's part size");
      assertEqual(session.partCount, 3, "the session's part count");
      await uploadAll(context, session, bytes, [3, 1, 2]);
      const parts = await storage.uploads.listParts(session);
      assertDeepEqual(
        parts.map((part) => [part.partNumber, part.size]),
        [
          [1, partSize],
          [2, partSize],
          [3, 4321],
        ],
        "listParts shows every part, ascending, with its size",
      );
      for (const part of parts) assertTrue(typeof part.etag === "string" && part.etag !== "" && !part.etag.startsWith('"'), `part ${part.partNumber}'s etag is unquoted`);
      const info = await storage.uploads.complete(session);
      assertEqual(info.key, target, "complete's key");
      assertEqual(info.size, size, "complete's size");
      assertEqual(info.contentType, "application/x-stowage-parts", "complete's content type");
      assertDeepEqual(info.metadata, metadata, "complete's metadata");
      const head = await storage.head(target);
      if (head === null) fail("the completed object is missing");
      assertDeepEqual(comparable(info), comparable(head), "complete's info and head's");
      const object = await storage.get(target);
      if (object === null) fail("get finds no completed object");
      assertEqual(object.contentType, "application/x-stowage-parts", "get's content type");
      assertDeepEqual(object.metadata, metadata, "get's metadata");
      assertEqual(await sha256Hex(await object.bytes()), await sha256Hex(bytes), "the SHA-256 of the completed object");
      assertDeepEqual(await listedUploadIds(context), [], "the completed upload is no longer listed");
    },
  }),

  defineCase({
    name: "uploads: a 1-byte upload and one of exactly one full part are planned as one part and complete with their bytes",
    requires: ["multipartUpload", "signUploadPart"],
    async run(context) {
      const { storage, key } = context;
      for (const [name, size, seed] of [
        ["one byte.bin", 1, 15],
        ["one full part.bin", partSize, 16],
      ] as const) {
        const target = key(name);
        const bytes = patternBytes(size, seed);
        const session = await storage.uploads.create(target, { size, partSize });
        assertEqual(session.partCount, 1, `the part count of a ${size}-byte upload`);
        await uploadAll(context, session, bytes, [1]);
        const info = await storage.uploads.complete(session);
        assertEqual(info.size, size, `complete's size of a ${size}-byte upload`);
        const object = await storage.get(target);
        if (object === null) fail(`the ${size}-byte upload is missing after complete`);
        assertEqual(await sha256Hex(await object.bytes()), await sha256Hex(bytes), `the SHA-256 of the ${size}-byte upload`);
      }
    },
  }),

  defineCase({
    name: "uploads: nothing is visible before complete, even with every part uploaded, and an old object stays until then",
    requires: ["multipartUpload", "signUploadPart"],
    async run(context) {
      const { storage, key } = context;
      const fresh = key("fresh.bin");
      const replaced = key("replaced.bin");
      const size = partSize + 100;
      const first = patternBytes(size, 3);
      const second = patternBytes(size, 4);
      await storage.put(replaced, "the old object");
      const freshSession = await storage.uploads.create(fresh, { size, partSize });
      const replacing = await storage.uploads.create(replaced, { size, partSize });
      await uploadAll(context, freshSession, first, [1, 2]);
      await uploadAll(context, replacing, second, [2, 1]);
      await assertAbsent(storage, fresh, "every part uploaded, before complete");
      const old = await storage.get(replaced);
      assertEqual(await old?.text(), "the old object", "the old object before complete");
      assertDeepEqual(await listKeys(context), [replaced], "the listing before complete");
      await storage.uploads.complete(freshSession);
      await storage.uploads.complete(replacing);
      assertDeepEqual(await listKeys(context), [fresh, replaced], "the listing after complete");
      assertEqual((await storage.head(fresh))?.size, size, "the fresh object after complete");
      const object = await storage.get(replaced);
      if (object === null) fail("the replaced object is missing after complete");
      assertEqual(await sha256Hex(await object.bytes()), await sha256Hex(second), "the replaced object after complete");
    },
  }),

  defineCase({
    name: "uploads: a part PUT of another length than signed is refused, and completing with a part missing gives InvalidArgument",
    requires: ["multipartUpload", "signUploadPart"],
    async run(context) {
      const { storage, key } = context;
      const target = key("exact parts.bin");
      const session = await storage.uploads.create(target, { size: partSize + 1000, partSize });
      const [signed] = await storage.uploads.signParts(session, [2]);
      await expectRejected(await sendPart(context, signed!, patternBytes(1001, 5)), "part 2 with one byte too many");
      await expectRejected(await sendPart(context, signed!, patternBytes(999, 5)), "part 2 with one byte too few");
      assertDeepEqual(await storage.uploads.listParts(session), [], "listParts after the refused PUTs");
      await expectOk(await sendPart(context, signed!, patternBytes(1000, 5)), "part 2 with its signed length");
      assertDeepEqual((await storage.uploads.listParts(session)).map((part) => [part.partNumber, part.size]), [[2, 1000]], "listParts after part 2");
      await assertRejectsWith(storage.uploads.complete(session), "InvalidArgument", "completing without part 1");
      await assertAbsent(storage, target, "after completing with a part missing");
      assertDeepEqual(await listKeys(context), [], "the listing after completing with a part missing");
      await storage.uploads.abort(session);
    },
  }),

  defineCase({
    name: "uploads: a total over maxSize gives TooLarge at complete, stores nothing and ends the upload",
    requires: ["multipartUpload", "signUploadPart"],
    async run(context) {
      const { storage, key } = context;
      const target = key("too large.bin");
      const session = await storage.uploads.create(target, { maxSize: partSize + 1000, partSize });
      assertEqual(session.size, undefined, "a session without size");
      const bytes = patternBytes(partSize + 1001, 6);
      await uploadAll(context, session, bytes, [1, 2]);
      assertTrue((await listedUploadIds(context)).includes(session.uploadId), "the upload is listed before complete");
      await assertRejectsWith(storage.uploads.complete(session), "TooLarge", "completing 1 byte over maxSize");
      await assertAbsent(storage, target, "after TooLarge");
      assertDeepEqual(await listKeys(context), [], "the listing after TooLarge");
      assertDeepEqual(await listedUploadIds(context), [], "uploads.list after TooLarge");
    },
  }),

  defineCase({
    name: "uploads: after abort the upload is not listed, nothing is visible and an earlier part URL fails",
    requires: ["multipartUpload", "signUploadPart"],
    async run(context) {
      const { storage, key } = context;
      const target = key("aborted.bin");
      const session = await storage.uploads.create(target, { size: 2000 });
      const [signed] = await storage.uploads.signParts(session, [1]);
      await expectOk(await sendPart(context, signed!, patternBytes(2000, 7)), "the part before abort");
      assertTrue((await listedUploadIds(context)).includes(session.uploadId), "the upload is listed before abort");
      await storage.uploads.abort(session);
      assertDeepEqual(await listedUploadIds(context), [], "uploads.list after abort");
      await assertAbsent(storage, target, "after abort");
      await expectRejected(await sendPart(context, signed!, patternBytes(2000, 8)), "a PUT to a part URL signed before the abort");
      assertDeepEqual(await listedUploadIds(context), [], "uploads.list after the PUT to the aborted upload");
      await assertAbsent(storage, target, "after the PUT to the aborted upload");
      await storage.uploads.abort(session);
    },
  }),

  defineCase({
    name: "uploads: a tampered or expired part URL gives 403 and stores no part",
    requires: ["multipartUpload", "signUploadPart"],
    async run(context) {
      const { storage, key } = context;
      const session = await storage.uploads.create(key("tampered.bin"), { size: partSize + 500, partSize });
      const [signed] = await storage.uploads.signParts(session, [2]);
      const body = patternBytes(500, 9);
      const part = partNumberParam(signed!.url);
      await expectStatus(await sendPart(context, signed!, body, withParam(signed!.url, part, "1")), [403], "the URL with its part number changed");
      const signature = signatureParam(signed!.url);
      const value = new URL(signed!.url).searchParams.get(signature)!;
      await expectStatus(await sendPart(context, signed!, body, withParam(signed!.url, signature, alter(value))), [403], "the URL with its signature changed");
      const past = context.createStorage({ clock: () => Date.now() - 2 * 3_600_000 });
      const [expired] = await past.uploads.signParts(session, [2]);
      await expectStatus(await sendPart(context, expired!, body), [403], "a part URL that expired an hour ago");
      assertDeepEqual(await storage.uploads.listParts(session), [], "listParts after the refused PUTs");
      await expectOk(await sendPart(context, signed!, body), "the untampered URL");
      assertDeepEqual((await storage.uploads.listParts(session)).map((each) => each.partNumber), [2], "listParts after the untampered PUT");
      await storage.uploads.abort(session);
    },
  }),

  defineCase({
    name: "uploads: an ifNotExists upload onto an existing key gives AlreadyExists at complete and the old object stays",
    requires: ["multipartUpload", "signUploadPart", "uploadIfNotExists"],
    async run(context) {
      const { storage, key } = context;
      const target = key("create only.bin");
      const old = await storage.put(target, "the old object");
      const session = await storage.uploads.create(target, { size: 1500, ifNotExists: true });
      assertEqual(session.ifNotExists, true, "the session is create-only");
      await uploadAll(context, session, patternBytes(1500, 10), [1]);
      await assertRejectsWith(storage.uploads.complete(session), "AlreadyExists", "completing onto an existing key");
      const object = await storage.get(target);
      assertEqual(await object?.text(), "the old object", "the old object's body");
      assertEqual(object?.etag, old.etag, "the old object's etag");
      await storage.uploads.abort(session);
    },
  }),

  defineCase({
    name: "uploads: of two ifNotExists uploads racing for one fresh key exactly one completes",
    requires: ["multipartUpload", "signUploadPart", "uploadIfNotExists"],
    async run(context) {
      const { storage, key } = context;
      const target = key("race.bin");
      const bodies = [patternBytes(1200, 11), patternBytes(1200, 12)];
      const sessions = await Promise.all(bodies.map(() => storage.uploads.create(target, { size: 1200, ifNotExists: true })));
      for (const [index, session] of sessions.entries()) await uploadAll(context, session, bodies[index]!, [1]);
      const results = await Promise.allSettled(sessions.map((session) => storage.uploads.complete(session)));
      const won = results.flatMap((result, index) => (result.status === "fulfilled" ? [index] : []));
      assertEqual(won.length, 1, "completions that succeeded");
      const lost = results[1 - won[0]!]!;
      assertTrue(lost.status === "rejected", "the other completion failed");
      await assertRejectsWith(Promise.reject(lost.reason), "AlreadyExists", "the losing completion");
      const object = await storage.get(target);
      if (object === null) fail("the winning upload is missing");
      assertEqual(await sha256Hex(await object.bytes()), await sha256Hex(bodies[won[0]!]!), "the stored object is the winner's");
      await storage.uploads.abort(sessions[1 - won[0]!]!);
    },
  }),
];
