import { memoryDriver } from "@stowage/memory";
import { createStorage, withPrefix, type StorageDriver } from "@stowage/core";
import { describeConformance, type DriverFixture } from "@stowage/conformance/vitest";
import { createSignedUrlHandler, type SignedUrlHandler } from "@stowage/http";
import { serveHandler } from "@stowage/http/node";

describeConformance({ name: "memory (reference run)", create: () => ({ driver: memoryDriver() }) });
// withPrefix's "tenant/" takes 7 of the 1024 bytes a key may have.
const prefixSkips = { "keys: a 1024-byte key round-trips": "withPrefix leaves 1017 bytes for the key" };

describeConformance({
  name: "memory through withPrefix",
  create: () => ({ driver: withPrefix(memoryDriver(), "tenant/") }),
  skip: prefixSkips,
});

// Without its atomic rename, Storage.move copies (pinned to the source's
// etag) and then deletes the source at that etag: the path every driver
// without a rename takes, checked here against the reference driver.
describeConformance({
  name: "memory without its rename (Storage.move copies, then deletes at the etag)",
  create: () => {
    const driver = memoryDriver();
    Object.defineProperty(driver, "move", { value: undefined });
    return { driver };
  },
});

const secrets = [{ id: "conformance", secret: "memory-conformance-secret-0123456789abcdef" }];

/**
 * A memory driver that signs URLs, served by `createSignedUrlHandler` on
 * 127.0.0.1 at a random port. The server starts first with a late-bound
 * handler, so the driver's `baseUrl` can carry the port.
 */
async function signingFixture(scope: (driver: StorageDriver) => StorageDriver): Promise<DriverFixture> {
  let handler: SignedUrlHandler | undefined;
  const server = await serveHandler((request) => handler!(request));
  const inner = memoryDriver({ signing: { secrets, baseUrl: `${server.url}/__storage` } });
  handler = createSignedUrlHandler(createStorage(inner), { secrets, basePath: "/__storage" });
  return { driver: scope(inner), close: server.close };
}

describeConformance({ name: "memory with signed URLs over HTTP", create: () => signingFixture((driver) => driver) });
describeConformance({
  name: "memory with signed URLs through withPrefix",
  create: () => signingFixture((driver) => withPrefix(driver, "tenant/")),
  skip: prefixSkips,
});
