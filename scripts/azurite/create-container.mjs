// Create a container on Azurite with a SharedKey-signed Create Container
// request (409 ContainerAlreadyExists is fine). Used by start.sh.
// Usage: node create-container.mjs ENDPOINT ACCOUNT KEY CONTAINER
import { createHmac } from "node:crypto";

const [endpoint, account, key, container] = process.argv.slice(2);
const url = new URL(`${endpoint}/${container}?restype=container`);
const date = new Date().toUTCString();
const version = "2021-12-02";
const stringToSign = [
  "PUT", "", "", "", "", "", "", "", "", "", "", "",
  `x-ms-date:${date}\nx-ms-version:${version}`,
  `/${account}/${account}/${container}\nrestype:container`,
].join("\n");
const signature = createHmac("sha256", Buffer.from(key, "base64")).update(stringToSign, "utf8").digest("base64");
const res = await fetch(url, {
  method: "PUT",
  headers: { "x-ms-date": date, "x-ms-version": version, "content-length": "0", authorization: `SharedKey ${account}:${signature}` },
});
if (res.status !== 201 && res.status !== 409) {
  console.error(`create container: ${res.status} ${await res.text()}`);
  process.exit(1);
}
