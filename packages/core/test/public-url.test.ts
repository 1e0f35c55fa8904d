import { describe, expect, it } from "vitest";
import { createStorage, isStorageError } from "@stowage/core";
import { mapDriver } from "./map-driver.ts";

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isStorageError(error) ? error.code : "not a StorageError";
  }
  return undefined;
}

describe("publicUrl", () => {
  it("encodes each segment and keeps the slashes", () => {
    const storage = createStorage(mapDriver(), { publicBaseUrl: "https://cdn.example.com/files" });
    expect(storage.publicUrl("a b/c?d#e/100%/ü+x")).toBe("https://cdn.example.com/files/a%20b/c%3Fd%23e/100%25/%C3%BC%2Bx");
    expect(new URL(storage.publicUrl("x/..y/z")).pathname).toBe("/files/x/..y/z");
  });

  it("keeps a base that already ends in a slash", () => {
    const storage = createStorage(mapDriver(), { publicBaseUrl: "http://127.0.0.1:8080/" });
    expect(storage.publicUrl("k")).toBe("http://127.0.0.1:8080/k");
  });

  it("is Unsupported without publicBaseUrl, naming the option", () => {
    const storage = createStorage(mapDriver());
    expect(codeOf(() => storage.publicUrl("k"))).toBe("Unsupported");
    try {
      storage.publicUrl("k");
    } catch (error) {
      expect((error as Error).message).toContain("publicBaseUrl");
    }
  });

  it("never echoes credentials in its message", () => {
    expect(() => createStorage(mapDriver(), { publicBaseUrl: "https://user:hunter2@cdn.example.com/" })).toThrow(/credentials, not shown/);
    try {
      createStorage(mapDriver(), { publicBaseUrl: "https://user:hunter2@cdn.example.com/" });
    } catch (error) {
      expect((error as Error).message).not.toContain("hunter2");
    }
  });

  it("refuses a bad key and a bad base", () => {
    const storage = createStorage(mapDriver(), { publicBaseUrl: "https://cdn.example.com/" });
    expect(codeOf(() => storage.publicUrl("a/../b"))).toBe("InvalidKey");
    for (const base of ["cdn.example.com", "ftp://x/", "https://u:p@x/", "https://x/?a=1", "https://x/#f", 42]) {
      expect(codeOf(() => createStorage(mapDriver(), { publicBaseUrl: base as string })), String(base)).toBe("InvalidArgument");
    }
  });
});
