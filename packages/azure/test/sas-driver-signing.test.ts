import { describe, expect, it } from "vitest";
import { sasDriverSigning } from "../src/sas-driver-signing.js";
import { sasEnvironment } from "./sas-environment.js";

const environment = sasEnvironment();
const now = (): Date => new Date();
const times = (seconds = 60): { expiresIn: number; now: Date; expiresAt: Date } => ({ expiresIn: seconds, now: now(), expiresAt: new Date(Date.now() + seconds * 1000) });
const offline = sasDriverSigning({ container: "box", accountName: "acct", accountKey: btoa("k".repeat(64)), endpoint: "https://acct.blob.core.windows.net" });

describe("sasDriverSigning: the driver's signGet/signPut", () => {
  it.each([
    ["contentType", { contentType: "image/png" }, /Content-Type/],
    ["size", { size: 5 }, /size/],
    ["maxSize", { maxSize: 5 }, /maximum size/],
    ["oneTime", { oneTime: true }, /not once/],
    ["ifNotExists", { ifNotExists: true }, /create-only/],
  ])("refuses %s with Unsupported (a SAS cannot enforce it)", async (_name, constraint, message) => {
    await expect(offline.signPut("k", { ...times(), ...constraint })).rejects.toMatchObject({ code: "Unsupported", message: expect.stringMatching(message), key: "k" });
  });

  it("maps the key to the blob in the container and passes the download options", async () => {
    const signed = await offline.signGet("a/b c", { ...times(), downloadFilename: "x.txt", responseContentType: "text/plain" });
    const url = new URL(signed.url);
    expect(url.pathname).toBe("/box/a/b%20c");
    expect(url.searchParams.get("rscd")).toBe('attachment; filename="x.txt"');
    expect(url.searchParams.get("rsct")).toBe("text/plain");
    expect(new URL((await offline.signGet("k", { ...times(), inline: true })).url).searchParams.has("rscd")).toBe(false);
  });
});

describe.skipIf(environment === null)("sasDriverSigning on Azurite", () => {
  const env = environment!;
  it("a signed put then get round-trips; the URL stops working at expiresAt", async () => {
    const signing = sasDriverSigning({ container: env.container, accountName: env.accountName, accountKey: env.accountKey, endpoint: env.endpoint });
    const key = `sas-driver/${crypto.randomUUID()}`;
    const put = await signing.signPut(key, times());
    expect((await fetch(put.url, { method: "PUT", headers: put.headers, body: "driver bytes" })).status).toBe(201);
    const get = await signing.signGet(key, times());
    expect(await (await fetch(get.url)).text()).toBe("driver bytes");
    const expired = await signing.signGet(key, { expiresIn: 1, now: new Date(Date.now() - 5000), expiresAt: new Date(Date.now() - 2000) });
    const refused = await fetch(expired.url);
    expect(refused.status).toBe(403);
    await refused.arrayBuffer();
  });
});
