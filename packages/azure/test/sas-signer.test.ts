import { StorageError, attachmentDisposition } from "@stowage/core";
import { describe, expect, it } from "vitest";
import { sasServiceVersion, sasSigner } from "../src/sas-signer.js";
import { sasEnvironment } from "./sas-environment.js";

const environment = sasEnvironment();
const wellKnownKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const offline = sasSigner({ accountName: "acct", accountKey: wellKnownKey, endpoint: "https://acct.blob.core.windows.net/" });
const inAMinute = (): Date => new Date(Date.now() + 60_000);

describe("sasSigner: the URL", () => {
  it("signs a blob read with sv, se (to the second), sr=b, sp=r and asks for attachment by default", async () => {
    const expiresAt = new Date("2030-01-02T03:04:05.678Z");
    const signed = await offline.signGet("box", "dir/a b+c.txt", { expiresAt });
    const url = new URL(signed.url);
    expect(url.origin + url.pathname).toBe("https://acct.blob.core.windows.net/box/dir/a%20b%2Bc.txt");
    expect(url.searchParams.get("sv")).toBe(sasServiceVersion);
    expect(url.searchParams.get("se")).toBe("2030-01-02T03:04:05Z");
    expect(url.searchParams.has("st")).toBe(false);
    expect(url.searchParams.get("sr")).toBe("b");
    expect(url.searchParams.get("sp")).toBe("r");
    expect(url.searchParams.get("rscd")).toBe("attachment");
    expect(url.searchParams.get("sig")).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(signed).toMatchObject({ method: "GET", headers: {}, expiresAt });
  });

  it("signs a put with sp=cw and tells the client to send x-ms-blob-type: BlockBlob", async () => {
    const expiresAt = inAMinute();
    const startsAt = new Date(expiresAt.getTime() - 120_000);
    const signed = await offline.signPut("box", "k", { expiresAt, startsAt });
    const url = new URL(signed.url);
    expect(url.searchParams.get("sp")).toBe("cw");
    expect(url.searchParams.get("st")).toBe(startsAt.toISOString().replace(/\.\d{3}Z$/, "Z"));
    expect(url.searchParams.has("rscd")).toBe(false);
    expect(signed).toMatchObject({ method: "PUT", headers: { "x-ms-blob-type": "BlockBlob" }, expiresAt });
  });

  it("leaves the disposition alone with inline, and refuses inline with a download name", async () => {
    const url = new URL((await offline.signGet("box", "k", { expiresAt: inAMinute(), inline: true })).url);
    expect(url.searchParams.has("rscd")).toBe(false);
    await expect(offline.signGet("box", "k", { expiresAt: inAMinute(), inline: true, downloadFilename: "a" })).rejects.toMatchObject({
      code: "InvalidArgument",
    });
  });

  it.each([
    ["a bad account", { accountName: "Bad_Name", accountKey: wellKnownKey, endpoint: "https://x.example" }, /accountName/],
    ["a key that is not base64", { accountName: "acct", accountKey: "not base64!", endpoint: "https://x.example" }, /accountKey/],
    ["an endpoint with a query", { accountName: "acct", accountKey: wellKnownKey, endpoint: "https://x.example/?sig=1" }, /endpoint/],
  ])("refuses %s", (_name, options, message) => {
    let caught: unknown;
    try {
      sasSigner(options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StorageError);
    expect(caught).toMatchObject({ code: "InvalidArgument", message: expect.stringMatching(message) });
  });

  it("refuses a bad container, an empty blob name, a missing expiry and a lifetime over 7 days", async () => {
    const expiresAt = inAMinute();
    await expect(offline.signGet("Box_1", "k", { expiresAt })).rejects.toMatchObject({ code: "InvalidArgument", message: /container/ });
    await expect(offline.signPut("box", "", { expiresAt })).rejects.toMatchObject({ code: "InvalidArgument", message: /blob/ });
    await expect(offline.signPut("box", "k", {} as never)).rejects.toMatchObject({ code: "InvalidArgument", message: /expiresAt/ });
    const startsAt = new Date(expiresAt.getTime() - 8 * 24 * 3600_000);
    await expect(offline.signPut("box", "k", { expiresAt, startsAt })).rejects.toMatchObject({ code: "InvalidArgument", message: /7 days/ });
  });
});

describe.skipIf(environment === null)("sasSigner on Azurite (the server checks every signature)", () => {
  const env = environment!;
  const signer = (): ReturnType<typeof sasSigner> =>
    sasSigner({ accountName: env.accountName, accountKey: env.accountKey, endpoint: env.endpoint });
  const uniqueName = (suffix = ""): string => `sas-test/${crypto.randomUUID()}/ä b+c${suffix}`;

  async function upload(blob: string, body: string): Promise<void> {
    const put = await signer().signPut(env.container, blob, { expiresAt: inAMinute() });
    const response = await fetch(put.url, { method: put.method, headers: put.headers, body });
    expect(response.status).toBe(201);
  }

  it("a signed PUT then a signed GET round-trip the bytes (a name with spaces, + and non-ASCII)", async () => {
    const blob = uniqueName(".bin");
    await upload(blob, "hello azure");
    const get = await signer().signGet(env.container, blob, { expiresAt: inAMinute() });
    const response = await fetch(get.url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("hello azure");
    expect(response.headers.get("content-disposition")).toBe("attachment");
  });

  it("honours rscd (the download name, RFC 5987 for non-ASCII) and rsct", async () => {
    const blob = uniqueName(".html");
    await upload(blob, "<p>x</p>");
    const get = await signer().signGet(env.container, blob, {
      expiresAt: inAMinute(),
      downloadFilename: "résumé 1.html",
      responseContentType: "text/plain; charset=utf-8",
    });
    const response = await fetch(get.url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toBe(attachmentDisposition("résumé 1.html"));
    expect(response.headers.get("content-disposition")).toContain("filename*=UTF-8''r%C3%A9sum%C3%A9%201.html");
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    await response.arrayBuffer();
    const inline = await fetch((await signer().signGet(env.container, blob, { expiresAt: inAMinute(), inline: true })).url);
    expect(inline.status).toBe(200);
    expect(inline.headers.get("content-disposition")).toBeNull();
    await inline.arrayBuffer();
  });

  describe("a tampered or expired SAS is refused with 403", () => {
    const tamper = (url: string, edit: (params: URLSearchParams) => void): string => {
      const parsed = new URL(url);
      edit(parsed.searchParams);
      return parsed.toString();
    };
    const flipFirst = (value: string): string => (value[0] === "A" ? "B" : "A") + value.slice(1);

    it.each([
      ["the signature", (p: URLSearchParams) => p.set("sig", flipFirst(p.get("sig")!))],
      ["the expiry, moved later", (p: URLSearchParams) => p.set("se", new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z"))],
      ["the permissions, widened to read-write-delete", (p: URLSearchParams) => p.set("sp", "rwd")],
      ["the response disposition", (p: URLSearchParams) => p.set("rscd", "inline")],
      ["the response type", (p: URLSearchParams) => p.set("rsct", "text/html")],
    ])("GET with %s changed", async (_name, edit) => {
      const blob = uniqueName();
      await upload(blob, "secret");
      const get = await signer().signGet(env.container, blob, { expiresAt: inAMinute() });
      expect((await fetch(get.url)).status).toBe(200);
      const response = await fetch(tamper(get.url, edit));
      expect(response.status).toBe(403);
      await response.arrayBuffer();
    });

    it("a GET URL used for another blob", async () => {
      const blob = uniqueName();
      const other = uniqueName();
      await upload(blob, "mine");
      await upload(other, "not mine");
      const get = await signer().signGet(env.container, blob, { expiresAt: inAMinute() });
      const otherUrl = (await signer().signGet(env.container, other, { expiresAt: inAMinute() })).url.split("?")[0];
      const response = await fetch(`${otherUrl}?${get.url.split("?")[1]}`);
      expect(response.status).toBe(403);
      await response.arrayBuffer();
    });

    it("a PUT URL used for another blob, or to read; a GET URL used to write", async () => {
      const blob = uniqueName();
      const put = await signer().signPut(env.container, blob, { expiresAt: inAMinute() });
      const otherPath = `${env.endpoint}/${env.container}/${encodeURIComponent("sas-test/other")}`;
      const elsewhere = await fetch(`${otherPath}?${put.url.split("?")[1]}`, { method: "PUT", headers: put.headers, body: "x" });
      expect(elsewhere.status).toBe(403);
      await elsewhere.arrayBuffer();
      expect((await fetch(put.url, { method: "PUT", headers: put.headers, body: "x" })).status).toBe(201);
      const read = await fetch(put.url);
      expect(read.status).toBe(403);
      await read.arrayBuffer();
      const get = await signer().signGet(env.container, blob, { expiresAt: inAMinute() });
      const write = await fetch(get.url, { method: "PUT", headers: put.headers, body: "overwritten" });
      expect(write.status).toBe(403);
      await write.arrayBuffer();
    });

    it("an expired SAS (and one signed with another key)", async () => {
      const blob = uniqueName();
      await upload(blob, "old");
      const now = Date.now();
      const expired = await signer().signGet(env.container, blob, { startsAt: new Date(now - 120_000), expiresAt: new Date(now - 60_000) });
      const response = await fetch(expired.url);
      expect(response.status).toBe(403);
      await response.arrayBuffer();
      const wrongKey = sasSigner({ accountName: env.accountName, accountKey: btoa("x".repeat(64)), endpoint: env.endpoint });
      const forged = await fetch((await wrongKey.signGet(env.container, blob, { expiresAt: inAMinute() })).url);
      expect(forged.status).toBe(403);
      await forged.arrayBuffer();
    });
  });
});
