import { createStorage } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";
import { createSignedUrlHandler } from "@stowage/http";

// Newest secret first (>= 32 random bytes); the handler verifies with the same list.
const secrets = [{ id: "1", secret: process.env.STORAGE_SIGNING_SECRET! }];

// Signed URLs point at the route handler below: <APP_URL>/api/storage/<key>.
export const storage = createStorage(
  memoryDriver({ signing: { secrets, baseUrl: `${process.env.APP_URL}/api/storage` } }),
);

export const handler = createSignedUrlHandler(storage, {
  secrets,
  basePath: "/api/storage",
  cors: { origins: [process.env.APP_ORIGIN ?? "http://localhost:3000"] },
});
