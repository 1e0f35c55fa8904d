import { describe, expect, it } from "vitest";
import { isStorageError } from "@stowage/core";
import { openStorage } from "../src/index.js";
import { driverLoaders } from "../src/driver-loaders.js";
import { loadFailure } from "../src/open-storage.js";

const wellKnownKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const accountEnv = { AZURE_STORAGE_ACCOUNT: "devstoreaccount1", AZURE_STORAGE_KEY: wellKnownKey };

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (!isStorageError(error)) throw error;
    return { code: error.code, message: error.message };
  }
  throw new Error("expected a StorageError");
}

describe("openStorage: azure:// URLs", () => {
  it.each([
    ["azure://my-container?endpoint=http://127.0.0.1:1/devstoreaccount1", {}, /set AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY/],
    ["azure://My_Container", accountEnv, /needs a container name/],
    ["azure://ab", accountEnv, /needs a container name/],
    ["azure://devstoreaccount1:secret@box", accountEnv, /must not carry credentials/],
    ["azure://box:10000", accountEnv, /names a container, not a server/],
    ["azure://box?accountKey=abc", accountEnv, /Unknown Azure URL parameter "accountKey".*credentials never go in the URL/],
    ["azure://box?endpont=http://x", accountEnv, /did you mean "endpoint"/],
    ["azure://box?endpoint=ftp://x", accountEnv, /endpoint must be an http/],
    ["azure://box?endpoint=https://a.blob.core.windows.net/?sig=abc", accountEnv, /must not carry credentials or a SAS/],
  ])("%s is refused", async (url, env, message) => {
    const error = await refusal(openStorage({ url, env }));
    expect(error.code).toBe("InvalidArgument");
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(wellKnownKey);
  });

  it("refuses options.credentials (S3-shaped) for azure://", async () => {
    const error = await refusal(openStorage({ url: "azure://box", env: accountEnv, credentials: { accessKeyId: "a", secretAccessKey: "b" } }));
    expect(error).toMatchObject({ code: "InvalidArgument", message: expect.stringMatching(/options.credentials is for s3:\/\//) });
  });

  it("loads @stowage/azure lazily, and a missing package names it", () => {
    expect(typeof driverLoaders["@stowage/azure"]).toBe("function");
    const missing = Object.assign(new Error("Cannot find package '@stowage/azure' imported from /app/node_modules/@stowage/open/dist/index.js"), {
      code: "ERR_MODULE_NOT_FOUND",
    });
    const failure = loadFailure("@stowage/azure", missing);
    expect(failure.code).toBe("Unsupported");
    expect(failure.message).toContain('npm install @stowage/azure');
  });

  it("opens the azure driver on the account's default endpoint, with the container from the host", async () => {
    const storage = await openStorage({ url: "azure://photos", env: accountEnv });
    expect(storage.driver.name).toBe("azure");
  });

  it("signs SAS URLs by default, and through the gateway (with upload sessions) when gateway secrets are set", async () => {
    const sas = await openStorage({ url: "azure://photos", env: accountEnv });
    expect(sas.driver.capabilities.multipartUpload).toBe(false);
    expect(new URL((await sas.signPut("a.txt")).url).searchParams.get("sig")).not.toBeNull();
    const gatewayEnv = { ...accountEnv, STORAGE_SIGNING_SECRETS: "k1:open-azure-gateway-secret-0123456789abcdef", STORAGE_SIGNING_BASE_URL: "https://app.example.com/__storage" };
    for (const storage of [
      await openStorage({ url: "azure://photos", env: gatewayEnv }),
      await openStorage({ url: "azure://photos", env: accountEnv, signing: { secrets: [{ id: "k1", secret: "open-azure-gateway-secret-0123456789abcdef" }], baseUrl: "https://app.example.com/__storage" } }),
    ]) {
      expect(storage.driver.capabilities.multipartUpload).toBe(true);
      expect(storage.driver.capabilities.signPutMaxSize).toBe(true);
      expect((await storage.signPut("a.txt")).url.startsWith("https://app.example.com/__storage/")).toBe(true);
    }
  });

  it("refuses a key prefix together with gateway signing (the handler would apply it twice), and keeps it with SAS", async () => {
    const gatewayEnv = { ...accountEnv, STORAGE_SIGNING_SECRETS: "k1:open-azure-gateway-secret-0123456789abcdef", STORAGE_SIGNING_BASE_URL: "https://app.example.com/__storage" };
    const failure = await refusal(openStorage({ url: "azure://photos/tenant-a", env: gatewayEnv }));
    expect(failure.code).toBe("InvalidArgument");
    expect(failure.message).toMatch(/prefix .*gateway signing.*a container of its own/);
    const sas = await openStorage({ url: "azure://photos/tenant-a", env: accountEnv });
    expect(new URL((await sas.signPut("a.txt")).url).pathname).toBe("/photos/tenant-a/a.txt");
  });
});

const endpoint = process.env.AZURE_BLOB_ENDPOINT;
if (!endpoint && process.env.CI === "true") throw new Error("CI=true but AZURE_BLOB_ENDPOINT is unset: start Azurite (scripts/azurite/start.sh)");

describe.skipIf(!endpoint)("openStorage: azure:// on Azurite", () => {
  const env = {
    AZURE_STORAGE_ACCOUNT: process.env.AZURE_STORAGE_ACCOUNT,
    AZURE_STORAGE_KEY: process.env.AZURE_STORAGE_KEY,
    AZURE_BLOB_ENDPOINT: endpoint,
  };
  const container = process.env.AZURE_CONTAINER || "stowage-test";

  it("round-trips through the endpoint from AZURE_BLOB_ENDPOINT, and a path scopes every key", async () => {
    const scope = `open-azure/${crypto.randomUUID()}`;
    const scoped = await openStorage({ url: `azure://${container}/${scope}`, env });
    await scoped.put("k.txt", "hello azure", { contentType: "text/plain" });
    const whole = await openStorage({ url: `azure://${container}?endpoint=${encodeURIComponent(endpoint!)}`, env: { ...env, AZURE_BLOB_ENDPOINT: undefined } });
    const object = await whole.get(`${scope}/k.txt`);
    expect(await object?.text()).toBe("hello azure");
    expect(object?.contentType).toBe("text/plain");
    await scoped.delete("k.txt");
    expect(await whole.head(`${scope}/k.txt`)).toBeNull();
  });
});
