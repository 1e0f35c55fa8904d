import { describe, expect, it } from "vitest";
import { configureCors } from "../src/configure-cors.js";

// What configureCors refuses before any request (the rules themselves are
// checked on Azurite in browser-sas-upload.test.ts, which owns the account's
// CORS settings so that no two files race on them).
const account = { accountName: "acct", accountKey: btoa("k".repeat(64)), endpoint: "http://127.0.0.1:9/acct" };

describe("configureCors: refused options", () => {
  it.each([
    ["no origins", { origins: [], methods: ["PUT"] }, /origins must be a non-empty list/],
    ["an origin with a path", { origins: ["https://app.example/x"], methods: ["PUT"] }, /scheme and host, no path/],
    ["an unknown method", { origins: ["*"], methods: ["FETCH"] }, /methods may hold only/],
    ["a bad header name", { origins: ["*"], methods: ["PUT"], allowHeaders: ["a b"] }, /allowHeaders must hold header names/],
    ["a negative max age", { origins: ["*"], methods: ["PUT"], maxAgeSeconds: -1 }, /maxAgeSeconds/],
    ["an unknown option", { origins: ["*"], methods: ["PUT"], bucket: "b" }, /bucket/],
  ])("%s", async (_name, options, message) => {
    await expect(configureCors(account, options as never)).rejects.toMatchObject({ code: "InvalidArgument", message: expect.stringMatching(message) });
  });

  it("needs the account key: a target without one is Unsupported", async () => {
    await expect(configureCors({ driver: { name: "azure" } }, { origins: ["*"], methods: ["PUT"] })).rejects.toMatchObject({
      code: "Unsupported",
      message: expect.stringMatching(/accountName, accountKey, endpoint/),
    });
  });

  it("reads the account from a storage's driver", async () => {
    // Port 9 (discard) refuses the connection: the account was found, the request was made.
    await expect(configureCors({ driver: account }, { origins: ["*"], methods: ["PUT"] })).rejects.toMatchObject({ code: "Unavailable" });
  });
});
