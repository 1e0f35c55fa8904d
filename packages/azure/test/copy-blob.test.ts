// How the driver copies inside the account, on Azurite: Copy Blob From URL
// (synchronous, the source authorized by a read SAS) when it holds the
// account key, Copy Blob (which Azure may run asynchronously) when it was
// given a ready client. Azurite always finishes a Copy Blob at once, so the
// pending case is made by rewriting the answers of a real copy.
import { describe, expect, it } from "vitest";
import { createStorage, StorageError } from "@stowage/core";
import { azureDriver, AzureRestClient, type AzureRequest } from "@stowage/azure";
import { azureEnvironment } from "./azurite-environment.ts";

const environment = azureEnvironment();
const run = environment === null ? describe.skip : describe;
const prefix = `copy-test/${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}/`;

/** The driver's copy requests (PUT with x-ms-copy-source), as sent. */
function recordCopies(client: AzureRestClient): AzureRequest[] {
  const copies: AzureRequest[] = [];
  const send = client.request.bind(client);
  client.request = (request) => {
    if (request.method === "PUT" && request.headers?.["x-ms-copy-source"] !== undefined) copies.push(request);
    return send(request);
  };
  return copies;
}

run("copy inside the account (Azurite)", () => {
  const env = environment!;

  it("with the account key: Copy Blob From URL, synchronous, its source a read SAS", async () => {
    const driver = azureDriver(env);
    const copies = recordCopies(driver.raw);
    const storage = createStorage(driver);
    await storage.put(`${prefix}source.txt`, "copied bytes", { contentType: "text/x-copied", metadata: { kept: "yes" } });
    const info = await storage.copy(`${prefix}source.txt`, `${prefix}target.txt`);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.headers!["x-ms-requires-sync"]).toBe("true");
    const source = new URL(copies[0]!.headers!["x-ms-copy-source"]!);
    expect(source.searchParams.get("sp")).toBe("r");
    expect(source.searchParams.get("sig")).not.toBeNull();
    // No response-header override in the source URL, so none can be copied onto the target.
    expect(source.searchParams.get("rscd")).toBeNull();
    const target = await storage.get(`${prefix}target.txt`);
    expect(await target!.text()).toBe("copied bytes");
    expect([target!.contentType, target!.metadata, target!.contentDisposition]).toEqual(["text/x-copied", { kept: "yes" }, undefined]);
    expect(info.etag).toBe(target!.etag);
  });

  it("with a ready client: Copy Blob, polled while Azure reports it pending; an abort while pending gives Aborted", async () => {
    const client = new AzureRestClient(env);
    const storage = createStorage(azureDriver({ container: env.container, client }));
    await storage.put(`${prefix}async-source.txt`, "copied later");
    const copies = recordCopies(client);
    // Azure may answer a Copy Blob with x-ms-copy-status: pending; Azurite never does, so its answers are rewritten.
    let pendingHeads = 2;
    let heads = 0;
    const send = client.request.bind(client);
    client.request = async (request) => {
      const response = await send(request);
      const pending = (status: number) => {
        const headers = new Headers(response.headers);
        headers.set("x-ms-copy-status", "pending");
        return new Response(null, { status, headers });
      };
      if (request.headers?.["x-ms-copy-source"] !== undefined) return pending(response.status);
      if (request.method === "HEAD" && request.path.endsWith("async-target.txt") && heads++ < pendingHeads) return pending(200);
      return response;
    };
    await storage.copy(`${prefix}async-source.txt`, `${prefix}async-target.txt`);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.headers!["x-ms-requires-sync"]).toBeUndefined();
    expect(heads).toBeGreaterThan(pendingHeads);
    expect(await (await storage.get(`${prefix}async-target.txt`))!.text()).toBe("copied later");

    pendingHeads = Number.POSITIVE_INFINITY;
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("stop")), 200);
    const started = Date.now();
    const error = await storage.copy(`${prefix}async-source.txt`, `${prefix}async-target.txt`, { signal: controller.signal }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe("Aborted");
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
