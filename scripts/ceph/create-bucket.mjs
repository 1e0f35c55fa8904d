// Create an S3 bucket with a SigV4-signed PUT, using only node built-ins.
// Usage: node create-bucket.mjs ENDPOINT BUCKET [REGION]
//   credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
// Exit 0 when the bucket exists and is ours afterwards, 1 otherwise.
import { createHash, createHmac } from "node:crypto";
import { request } from "node:http";

const [endpoint, bucket, region = "us-east-1"] = process.argv.slice(2);
const accessKey = process.env.AWS_ACCESS_KEY_ID;
const secretKey = process.env.AWS_SECRET_ACCESS_KEY;
if (!endpoint || !bucket || !accessKey || !secretKey) {
  console.error("usage: AWS_ACCESS_KEY_ID=.. AWS_SECRET_ACCESS_KEY=.. node create-bucket.mjs ENDPOINT BUCKET [REGION]");
  process.exit(2);
}

const url = new URL(`/${encodeURIComponent(bucket)}`, endpoint);
const sha256 = (s) => createHash("sha256").update(s).digest("hex");
const hmac = (k, s) => createHmac("sha256", k).update(s).digest();

const amzDate = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
const day = amzDate.slice(0, 8);
const payloadHash = sha256("");
const headers = { host: url.host, "x-amz-content-sha256": payloadHash, "x-amz-date": amzDate };
const signed = Object.keys(headers).sort();
const canonical = [
  "PUT",
  url.pathname,
  "",
  ...signed.map((h) => `${h}:${headers[h]}`),
  "",
  signed.join(";"),
  payloadHash,
].join("\n");
const scope = `${day}/${region}/s3/aws4_request`;
const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
let key = hmac(`AWS4${secretKey}`, day);
for (const part of [region, "s3", "aws4_request"]) key = hmac(key, part);
const signature = createHmac("sha256", key).update(toSign).digest("hex");
headers.authorization =
  `AWS4-HMAC-SHA256 Credential=${accessKey}/${scope}, SignedHeaders=${signed.join(";")}, Signature=${signature}`;
headers["content-length"] = "0";

const req = request(url, { method: "PUT", headers, timeout: 5000 }, (res) => {
  let body = "";
  res.setEncoding("utf8");
  res.on("data", (d) => (body += d));
  res.on("end", () => {
    if (res.statusCode === 200 || (res.statusCode === 409 && body.includes("BucketAlreadyOwnedByYou"))) {
      process.exit(0);
    }
    console.error(`PUT ${url.href}: HTTP ${res.statusCode} ${body}`);
    process.exit(1);
  });
});
req.on("timeout", () => req.destroy(new Error("timeout")));
req.on("error", (e) => {
  console.error(`PUT ${url.href}: ${e.message}`);
  process.exit(1);
});
req.end();
