// The cost of s3Driver({ expiry: true }) on list: one page of 1,000 keys
// listed by ListObjectsV2 alone (expiry off) and by ListObjectsV2 plus one
// HeadObject per key, 16 at once (expiry on), on Ceph RGW (S3_*) and on
// OpenStack Swift (SWIFT_S3_*). Each server comes from the environment, or is
// started with scripts/<ceph|swift>/start.sh and stopped at the end. The keys
// are written once (untimed); the contenders alternate round by round and the
// figures are medians.
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { alternate, benchDriver, median, startServer } from "./bench-servers.mjs";

const count = Number(process.env.LIST_METADATA_BENCH_KEYS ?? 1000);
const rounds = Number(process.env.LIST_METADATA_BENCH_ROUNDS ?? 5);

async function fill(client, bucket, prefix) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: `${prefix}${String(index).padStart(5, "0")}`, Body: new Uint8Array(0), Metadata: { "stowage-expires-at": "99999999999999" } }),
      );
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

const rows = [];
for (const profile of ["ceph-rgw", "swift"]) {
  const server = startServer(profile);
  if (server.environment === null) {
    console.log(`list-with-metadata bench on ${profile} SKIPPED: ${server.reason}`);
    continue;
  }
  try {
    const environment = server.environment;
    const plain = benchDriver(environment);
    const withExpiry = benchDriver(environment, { expiry: true });
    const prefix = `bench/list-metadata-${Date.now().toString(36)}/`;
    await fill(plain.raw, environment.bucket, prefix);
    const listed = new Map();
    const contenders = [
      { label: "list (expiry off): ListObjectsV2", driver: plain },
      { label: "list (expiry: true): + HeadObject per key", driver: withExpiry },
    ].map((contender) => ({
      label: contender.label,
      run: async () => listed.set(contender.label, (await contender.driver.list({ prefix, limit: 1000 })).objects.length),
    }));
    const samples = await alternate(contenders, rounds);
    const baseline = median(samples[0]);
    contenders.forEach((contender, index) => {
      if (listed.get(contender.label) !== Math.min(count, 1000)) throw new Error(`${contender.label} listed ${listed.get(contender.label)}`);
      rows.push({
        server: environment.label,
        contender: contender.label,
        "median ms": median(samples[index]).toFixed(1),
        ratio: index === 0 ? "baseline" : `${(median(samples[index]) / baseline).toFixed(1)}x`,
        "samples ms": samples[index].map((ms) => ms.toFixed(0)).join(", "),
      });
    });
    const keys = Array.from({ length: count }, (_, index) => `${prefix}${String(index).padStart(5, "0")}`);
    for (let start = 0; start < keys.length; start += 1000) await plain.delete(keys.slice(start, start + 1000), {});
    plain.raw.destroy();
    withExpiry.raw.destroy();
  } finally {
    server.stop();
  }
}
console.table(rows);
console.log(`${Math.min(count, 1000)} keys in one page, ${rounds} alternating rounds (16 HeadObjects at once with expiry on)`);
