import { createHash } from "node:crypto";
import type { FactResult, ProbeRequests } from "./probe-requests.js";

/** A check: raw requests that decide one or more profile facts. */
export type ProbeCheck = (requests: ProbeRequests, known: Record<string, unknown>) => Promise<FactResult[]>;

const stale = "0123456789abcdef0123456789abcdef";

/** Conditional PutObject: If-None-Match: * and If-Match, and how If-Match wants the etag and compares it. */
export const conditionalPutCheck: ProbeCheck = async (requests) => {
  const etag = await requests.put("conditional", "one");
  const create = await requests.putStatus("conditional", "two", { IfNoneMatch: "*" });
  const results: FactResult[] = [{ fact: "putIfNotExists", value: create === 412, evidence: `PUT If-None-Match: * on an existing key: ${create}` }];
  const quoted = await requests.putStatus("conditional", "three", { IfMatch: `"${etag}"` });
  let ifMatchQuoted = true;
  let putIfMatch = false;
  let evidence = `PUT If-Match "<etag>": ${quoted}`;
  let current = etag;
  if (quoted === 200) {
    putIfMatch = true;
  } else if (quoted === 412) {
    const bare = await requests.putStatus("conditional", "three", { IfMatch: etag });
    evidence += `, If-Match <etag> unquoted: ${bare}`;
    if (bare === 200) {
      ifMatchQuoted = false;
      putIfMatch = true;
    }
  }
  if (putIfMatch) {
    current = (await requests.send("HeadObjectCommand", { Key: requests.key("conditional") }).then((output) => String(output.ETag))).replace(/"/g, "");
    const quote = (value: string) => (ifMatchQuoted ? `"${value}"` : value);
    const staleStatus = await requests.putStatus("conditional", "four", { IfMatch: quote(stale) });
    evidence += `, a stale If-Match: ${staleStatus}`;
    if (staleStatus !== 412) putIfMatch = false;
    const prefixStatus = putIfMatch ? await requests.putStatus("conditional", "five", { IfMatch: quote(`${current}x`) }) : undefined;
    results.push({
      fact: "ifMatchComparesPrefix",
      value: prefixStatus === 200,
      evidence: prefixStatus === undefined ? "no conditional PUT" : `PUT If-Match "<etag>x": ${prefixStatus}`,
    });
  } else {
    results.push({ fact: "ifMatchComparesPrefix", value: false, evidence: "no conditional PUT" });
  }
  results.push({ fact: "putIfMatch", value: putIfMatch, evidence }, { fact: "ifMatchQuoted", value: ifMatchQuoted, evidence });
  return results;
};

/** A wrong x-amz-checksum-sha256 on PutObject: refused (verified) or stored anyway. */
export const checksumCheck: ProbeCheck = async (requests) => {
  const wrong = createHash("sha256").update("something else").digest("base64");
  const status = await requests.putStatus("sha", "x", { ChecksumSHA256: wrong });
  return [{ fact: "supportsChecksumSha256", value: status === 400, evidence: `PUT with a wrong x-amz-checksum-sha256: ${status}` }];
};

/** GET If-Match / If-None-Match with "<etag>x": compared whole, or by prefix. */
export const getConditionsCheck: ProbeCheck = async (requests) => {
  const etag = await requests.put("get-conditions", "x");
  const key = requests.key("get-conditions");
  const ifMatch = await requests.status("GetObjectCommand", { Key: key, IfMatch: `"${etag}x"` });
  const ifNoneMatch = await requests.status("GetObjectCommand", { Key: key, IfNoneMatch: `"${etag}x"` });
  return [
    {
      fact: "getConditionsComparePrefix",
      value: ifMatch === 200 || ifNoneMatch === 304,
      evidence: `GET If-Match "<etag>x": ${ifMatch}, If-None-Match "<etag>x": ${ifNoneMatch}`,
    },
  ];
};

/** DeleteObjects with the SDK's checksum instead of Content-MD5. */
export const deleteObjectsCheck: ProbeCheck = async (requests) => {
  await requests.put("multi/1", "x");
  await requests.put("multi/2", "x");
  const objects = [{ Key: requests.key("multi/1") }, { Key: requests.key("multi/2") }];
  const status = await requests.status("DeleteObjectsCommand", { Delete: { Objects: objects, Quiet: true } });
  return [{ fact: "deleteObjectsNeedsContentMd5", value: status === 400, evidence: `DeleteObjects without Content-MD5: ${status}` }];
};

/** The longest metadata value stored: 2,000 bytes, else the limit found by bisection. */
export const metadataValueCheck: ProbeCheck = async (requests) => {
  const stores = async (length: number) => {
    const status = await requests.putStatus("metadata", "x", { Metadata: { long: "v".repeat(length) } });
    if (status !== 200) return false;
    const head = await requests.send("HeadObjectCommand", { Key: requests.key("metadata") });
    return ((head.Metadata as Record<string, string> | undefined)?.long ?? "").length === length;
  };
  if (await stores(2000)) return [{ fact: "maxMetadataValueBytes", value: undefined, evidence: "a 2,000-byte value is stored" }];
  let low = 0;
  let high = 2000;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (await stores(middle)) low = middle;
    else high = middle;
  }
  return [{ fact: "maxMetadataValueBytes", value: low, evidence: `a ${low}-byte value is stored, ${low + 1} bytes is refused` }];
};

/** DeleteObject If-Match: a stale etag, and a key that does not exist. */
export const conditionalDeleteCheck: ProbeCheck = async (requests, known) => {
  const quote = (value: string) => (known.ifMatchQuoted === false ? value : `"${value}"`);
  await requests.put("delete-if-match", "x");
  const staleStatus = await requests.status("DeleteObjectCommand", { Key: requests.key("delete-if-match"), IfMatch: quote(stale) });
  const kept = await requests.headStatus("delete-if-match");
  const missing = await requests.status("DeleteObjectCommand", { Key: requests.key("never-written"), IfMatch: quote(stale) });
  return [
    { fact: "deleteIfMatch", value: staleStatus === 412 && kept === 200, evidence: `DeleteObject with a stale If-Match: ${staleStatus}, then HEAD: ${kept}` },
    { fact: "deleteIfMatchMissingSucceeds", value: missing !== undefined && missing < 300, evidence: `DeleteObject If-Match of a missing key: ${missing}` },
  ];
};

/** CopyObject with a stale x-amz-copy-source-if-match, and with If-None-Match: * onto an existing target. */
export const conditionalCopyCheck: ProbeCheck = async (requests) => {
  await requests.put("copy-source", "source");
  await requests.put("copy-target", "target");
  const copySource = `${requests.bucket}/${requests.key("copy-source")}`;
  const staleStatus = await requests.status("CopyObjectCommand", { Key: requests.key("copy-target"), CopySource: copySource, CopySourceIfMatch: `"${stale}"` });
  await requests.put("copy-target", "target");
  const createOnly = await requests.status("CopyObjectCommand", { Key: requests.key("copy-target"), CopySource: copySource, IfNoneMatch: "*" });
  const body = await requests.send("GetObjectCommand", { Key: requests.key("copy-target") }).then((output) =>
    (output.Body as { transformToString(): Promise<string> }).transformToString(),
  );
  return [
    { fact: "copySourceIfMatch", value: staleStatus === 412, evidence: `CopyObject with a stale x-amz-copy-source-if-match: ${staleStatus}` },
    {
      fact: "copyIfNoneMatch",
      value: createOnly === 412 && body === "target",
      evidence: `CopyObject If-None-Match: * onto an existing key: ${createOnly}, the target then holds "${body}"`,
    },
  ];
};

/** ListObjectsV2 with a delimiter and a StartAfter inside a common prefix. */
export const startAfterCheck: ProbeCheck = async (requests) => {
  for (const name of ["s/a/1", "s/a/2", "s/b"]) await requests.put(name, "x");
  const output = await requests.send("ListObjectsV2Command", { Prefix: requests.key("s/"), Delimiter: "/", StartAfter: requests.key("s/a/1") });
  const prefixes = ((output.CommonPrefixes as { Prefix?: string }[] | undefined) ?? []).map((entry) => entry.Prefix);
  const listed = prefixes.includes(requests.key("s/a/"));
  return [{ fact: "startAfterListsEnclosingPrefix", value: listed, evidence: `StartAfter "s/a/1" with delimiter "/" ${listed ? "lists" : "does not list"} "s/a/"` }];
};

/** GetBucketCors: answered (a configuration, or 404 for none) or not implemented. */
export const bucketCorsCheck: ProbeCheck = async (requests) => {
  const status = await requests.status("GetBucketCorsCommand", {});
  return [{ fact: "bucketCors", value: status === 200 || status === 404, evidence: `GetBucketCors: ${status}` }];
};
