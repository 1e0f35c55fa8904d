import { createStorage } from "@stowage/core";
import type { ProbeCheck } from "./probe-checks.js";
import type { FactResult, ProbeRequests } from "./probe-requests.js";
import type { ProbeSdk } from "./probe-sdk.js";

const fiveMiB = 5 * 1024 * 1024;

async function multipartUpload(requests: ProbeRequests, name: string, parts: Uint8Array[], completeExtra: Record<string, unknown> = {}) {
  const key = requests.key(name);
  requests.written.add(key);
  const { UploadId } = (await requests.send("CreateMultipartUploadCommand", { Key: key })) as { UploadId?: string };
  try {
    const etags: { PartNumber: number; ETag: string }[] = [];
    for (const [index, body] of parts.entries()) {
      const output = await requests.send("UploadPartCommand", { Key: key, UploadId, PartNumber: index + 1, Body: body });
      etags.push({ PartNumber: index + 1, ETag: String(output.ETag) });
    }
    return await requests.outcome("CompleteMultipartUploadCommand", { Key: key, UploadId, MultipartUpload: { Parts: etags }, ...completeExtra });
  } finally {
    // Harmless after a completed upload (404), needed after a refused one.
    await requests.abortUpload(key, UploadId);
  }
}

/**
 * A two-part upload (5 MiB + 4 bytes): the etag CompleteMultipartUpload
 * answers, and whether copy-source If-Match / DeleteObject If-Match match
 * the `<md5>-2` etag; then a create-only complete onto an existing key.
 */
export const multipartCheck: ProbeCheck = async (requests, known) => {
  const completed = await multipartUpload(requests, "in-parts", [new Uint8Array(fiveMiB), new TextEncoder().encode("tail")]);
  const completeEtag = String(completed.output?.ETag ?? "").replace(/"/g, "");
  const head = await requests.send("HeadObjectCommand", { Key: requests.key("in-parts") });
  const etag = String(head.ETag ?? "").replace(/"/g, "");
  const quoted = known.ifMatchQuoted === false ? etag : `"${etag}"`;
  const copy = await requests.status("CopyObjectCommand", {
    Key: requests.key("in-parts-copy"),
    CopySource: `${requests.bucket}/${requests.key("in-parts")}`,
    CopySourceIfMatch: quoted,
  });
  requests.written.add(requests.key("in-parts-copy"));
  const remove = await requests.status("DeleteObjectCommand", { Key: requests.key("in-parts"), IfMatch: quoted });
  await requests.put("create-only", "existing");
  const createOnly = await multipartUpload(requests, "create-only", [new TextEncoder().encode("new")], { IfNoneMatch: "*" });
  // The control: onto a key that does not exist, the same complete must succeed.
  const createNew = await multipartUpload(requests, "create-only-new", [new TextEncoder().encode("new")], { IfNoneMatch: "*" });
  const results: FactResult[] = [
    { fact: "emptyEtagAfterMultipart", value: completeEtag === "", evidence: `CompleteMultipartUpload's ETag: "${completeEtag}" (HEAD: "${etag}")` },
    {
      fact: "ifMatchMissesMultipartEtag",
      value: copy === 412 || remove === 412,
      evidence: `with the "<md5>-2" etag: CopyObject x-amz-copy-source-if-match ${copy}, DeleteObject If-Match ${remove}`,
    },
    {
      fact: "conditionalMultipartComplete",
      value: createOnly.status === 412 && createNew.status === 200,
      evidence: `CompleteMultipartUpload If-None-Match: * onto an existing key: ${createOnly.status}, onto a new key: ${createNew.status}`,
    },
  ];
  return results;
};

/** UploadPart number 1,001: refused where the server allows 1,000 parts. */
export const partNumberCheck: ProbeCheck = async (requests, known) => {
  const key = requests.key("part-number");
  const { UploadId } = (await requests.send("CreateMultipartUploadCommand", { Key: key })) as { UploadId?: string };
  try {
    const status = await requests.status("UploadPartCommand", { Key: key, UploadId, PartNumber: 1001, Body: new Uint8Array(1) });
    const limits = { ...(known.uploadLimits as Record<string, unknown>) };
    if (status !== 200) limits.maxParts = 1000;
    return [{ fact: "uploadLimits", value: limits, evidence: `UploadPart number 1001: ${status}` }];
  } finally {
    await requests.abortUpload(key, UploadId);
  }
};

/** Where the driver's own signed requests go: the options to rebuild it with another profile. */
export interface SignedCheckSetup {
  s3: ProbeSdk["s3"];
  driverOptions: Record<string, unknown>;
}

/**
 * A presigned create-only PUT (signed `If-None-Match: *`) onto an existing
 * key, and a POST-policy form upload: minted by the driver itself with a
 * profile that claims them, then sent as a browser would.
 */
export function signedUploadCheck(setup: SignedCheckSetup): ProbeCheck {
  return async (requests, known) => {
    const claiming = { ...known, putIfNotExists: true, signedIfNoneMatch: true, supportsPostPolicy: true };
    const storage = createStorage(setup.s3.s3Driver({ ...setup.driverOptions, profile: claiming }));
    await requests.put("signed-create-only", "existing");
    const createOnly = await storage.signPut(requests.key("signed-create-only"), { ifNotExists: true });
    const response = await fetch(createOnly.url, { method: createOnly.method, headers: createOnly.headers, body: "new" });
    await response.arrayBuffer();
    const posted = await storage.signPut(requests.key("posted"), { maxSize: 100, contentType: "text/plain" });
    requests.written.add(requests.key("posted"));
    let postStatus: number | string = `a ${posted.method} was signed`;
    if (posted.method === "POST") {
      const form = new FormData();
      for (const [name, value] of Object.entries(posted.fields ?? {})) form.set(name, value);
      form.set("file", new Blob(["x"], { type: "text/plain" }));
      const answer = await fetch(posted.url, { method: "POST", body: form });
      await answer.arrayBuffer();
      postStatus = answer.status;
    }
    const stored = await requests.headStatus("posted");
    return [
      { fact: "signedIfNoneMatch", value: response.status === 412, evidence: `presigned PUT with a signed If-None-Match: * onto an existing key: ${response.status}` },
      { fact: "supportsPostPolicy", value: stored === 200, evidence: `POST policy form upload: ${postStatus}, then HEAD: ${stored}` },
    ];
  };
}
