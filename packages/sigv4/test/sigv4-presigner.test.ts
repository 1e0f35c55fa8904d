import { createHash, createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { toHex } from "@stowage/core";
import { HmacSha256Key, SigV4Presigner, encodeKeyPath, encodeRfc3986, sha256 } from "@stowage/sigv4";

const date = new Date("2026-11-22T10:00:00Z");

describe("sha256 and HMAC", () => {
  it("match node:crypto for every length around the block boundaries", () => {
    for (let length = 0; length < 300; length++) {
      const data = randomBytes(length);
      expect(toHex(sha256(data))).toBe(createHash("sha256").update(data).digest("hex"));
      const key = randomBytes(length % 100);
      expect(toHex(new HmacSha256Key(key).sign(data))).toBe(createHmac("sha256", key).update(data).digest("hex"));
    }
  });

  it("hashes a key longer than one block first", () => {
    const key = randomBytes(200);
    expect(toHex(new HmacSha256Key(key).sign(new Uint8Array([1, 2, 3])))).toBe(
      createHmac("sha256", key).update(new Uint8Array([1, 2, 3])).digest("hex"),
    );
  });
});

describe("encoding", () => {
  it("encodes like the AWS SDK (RFC 3986)", () => {
    expect(encodeRfc3986("a b+c%d~e/f=g&h*i!j'k(l)")).toBe("a%20b%2Bc%25d~e%2Ff%3Dg%26h%2Ai%21j%27k%28l%29");
    expect(encodeKeyPath("dir/ü 😀/x")).toBe("dir/%C3%BC%20%F0%9F%98%80/x");
  });
});

// URLs made by @aws-sdk/s3-request-presigner 3.1163.0 with these inputs and
// signingDate 2026-11-22T10:00:00Z (the s3 package tests many more live).
describe("SigV4Presigner", () => {
  const presigner = new SigV4Presigner({ accessKeyId: "AK", secretAccessKey: "SK", region: "us-east-1" });

  it("signs a PUT with content-type and content-length byte-identically to the SDK", () => {
    const url = presigner.presign({
      method: "PUT",
      url: `http://127.0.0.1:45373/b/${encodeKeyPath("a b/+%~=&ü😀.txt")}`,
      date,
      expiresIn: 300,
      headers: { "content-type": "text/plain", "content-length": "12" },
      query: { "x-id": "PutObject" },
    });
    expect(url).toBe(
      "http://127.0.0.1:45373/b/a%20b/%2B%25~%3D%26%C3%BC%F0%9F%98%80.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&X-Amz-Credential=AK%2F20261122%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261122T100000Z&X-Amz-Expires=300&X-Amz-Signature=0ab5cfccbff73b64ff1b884d7bc2b4c769f06a1de49892d4d499dd085b3672f9&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost&x-id=PutObject",
    );
  });

  it("signs a GET with response overrides byte-identically to the SDK", () => {
    const url = presigner.presign({
      method: "GET",
      url: "http://127.0.0.1:45373/b/a%20b/x",
      date,
      expiresIn: 300,
      query: {
        "response-content-disposition": "attachment; filename*=UTF-8''%C3%BC.txt",
        "response-content-type": "text/plain",
        "x-id": "GetObject",
      },
    });
    expect(url).toBe(
      "http://127.0.0.1:45373/b/a%20b/x?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&X-Amz-Credential=AK%2F20261122%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261122T100000Z&X-Amz-Expires=300&X-Amz-Signature=02de7550502685cbb7c8726b5a0f38252d3b3228c5ba79ed5042ec1bbe280e23&X-Amz-SignedHeaders=host&response-content-disposition=attachment%3B%20filename%2A%3DUTF-8%27%27%25C3%25BC.txt&response-content-type=text%2Fplain&x-id=GetObject",
    );
  });

  it("signs If-None-Match and a session token byte-identically to the SDK", () => {
    expect(
      presigner.presign({
        method: "PUT",
        url: "http://127.0.0.1:45373/b/k",
        date,
        expiresIn: 300,
        headers: { "If-None-Match": "*" },
        query: { "x-id": "PutObject" },
      }),
    ).toBe(
      "http://127.0.0.1:45373/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&X-Amz-Credential=AK%2F20261122%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261122T100000Z&X-Amz-Expires=300&X-Amz-Signature=6036a43c74ed9a7fad5929fbc1574f2742301fb049f98202216f9e473d8906da&X-Amz-SignedHeaders=host%3Bif-none-match&x-id=PutObject",
    );
    const withToken = new SigV4Presigner({ accessKeyId: "AK", secretAccessKey: "SK", sessionToken: "TOK/+=", region: "eu-west-1" });
    expect(
      withToken.presign({
        method: "GET",
        url: "https://mybucket.s3.eu-west-1.amazonaws.com/a/b%20c",
        date,
        expiresIn: 300,
        query: { "x-amz-checksum-mode": "ENABLED", "x-id": "GetObject" },
      }),
    ).toBe(
      "https://mybucket.s3.eu-west-1.amazonaws.com/a/b%20c?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&X-Amz-Credential=AK%2F20261122%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20261122T100000Z&X-Amz-Expires=300&X-Amz-Security-Token=TOK%2F%2B%3D&X-Amz-Signature=3f11056bb7df608e836965e8b7694d2c29fb15377c12b77e99e1b70a4afe66d8&X-Amz-SignedHeaders=host&x-amz-checksum-mode=ENABLED&x-id=GetObject",
    );
  });

  it("changes the signature when any signed input changes", () => {
    const base = { method: "GET", url: "http://h/b/k", date, expiresIn: 60 };
    const reference = presigner.presign(base);
    const variants = [
      presigner.presign({ ...base, method: "PUT" }),
      presigner.presign({ ...base, url: "http://h/b/k2" }),
      presigner.presign({ ...base, expiresIn: 61 }),
      presigner.presign({ ...base, date: new Date(date.getTime() + 1000) }),
      presigner.presign({ ...base, headers: { "content-type": "a/b" } }),
      presigner.presign({ ...base, query: { "response-content-type": "a/b" } }),
      new SigV4Presigner({ accessKeyId: "AK", secretAccessKey: "SK2", region: "us-east-1" }).presign(base),
      new SigV4Presigner({ accessKeyId: "AK", secretAccessKey: "SK", region: "us-east-2" }).presign(base),
    ];
    const signatureOf = (url: string) => new URL(url).searchParams.get("X-Amz-Signature");
    for (const variant of variants) expect(signatureOf(variant)).not.toBe(signatureOf(reference));
  });

  it("rejects an expiry past 7 days and a relative URL", () => {
    expect(() => presigner.presign({ method: "GET", url: "http://h/b/k", date, expiresIn: 604801 })).toThrow(TypeError);
    expect(() => presigner.presign({ method: "GET", url: "/b/k", date, expiresIn: 60 })).toThrow(TypeError);
  });
});

describe("presignPost", () => {
  it("signs the base64 policy with the day's key and pins every field", () => {
    const presigner = new SigV4Presigner({ accessKeyId: "AK", secretAccessKey: "SK", region: "us-east-1" });
    const post = presigner.presignPost({
      url: "http://h/b",
      bucket: "b",
      key: "k/ü.txt",
      date,
      expiresIn: 600,
      contentType: "text/plain",
      contentLengthRange: { min: 0, max: 1024 },
    });
    expect(post.expiresAt.toISOString()).toBe("2026-11-22T10:10:00.000Z");
    const policy = JSON.parse(Buffer.from(post.fields.Policy, "base64").toString("utf8"));
    expect(policy.expiration).toBe("2026-11-22T10:10:00.000Z");
    expect(policy.conditions).toContainEqual(["content-length-range", 0, 1024]);
    expect(policy.conditions).toContainEqual(["eq", "$key", "k/ü.txt"]);
    expect(policy.conditions).toContainEqual(["eq", "$Content-Type", "text/plain"]);
    expect(policy.conditions).toContainEqual({ bucket: "b" });
    let key: Buffer = createHmac("sha256", "AWS4SK").update("20261122").digest();
    for (const part of ["us-east-1", "s3", "aws4_request"]) key = createHmac("sha256", key).update(part).digest();
    expect(post.fields["X-Amz-Signature"]).toBe(createHmac("sha256", key).update(post.fields.Policy).digest("hex"));
    expect(post.fields["X-Amz-Credential"]).toBe("AK/20261122/us-east-1/s3/aws4_request");
    expect(post.fields.success_action_status).toBeUndefined();
  });

  it("pins success_action_status in the fields and the policy when asked", () => {
    const presigner = new SigV4Presigner({ accessKeyId: "AK", secretAccessKey: "SK", region: "us-east-1" });
    const request = { url: "http://h/b", bucket: "b", key: "k", date, expiresIn: 600 };
    const post = presigner.presignPost({ ...request, successActionStatus: 201 });
    expect(post.fields.success_action_status).toBe("201");
    const policy = JSON.parse(Buffer.from(post.fields.Policy, "base64").toString("utf8"));
    expect(policy.conditions).toContainEqual(["eq", "$success_action_status", "201"]);
    expect(() => presigner.presignPost({ ...request, successActionStatus: 302 as never })).toThrow(TypeError);
  });
});
