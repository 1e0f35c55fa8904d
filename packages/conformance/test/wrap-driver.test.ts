import { describe, expect, it } from "vitest";
import { runCase } from "@stowage/conformance";
import { wrapDriver } from "../src/wrap-driver.ts";
import { uploadSessionCases } from "../src/cases/upload-session-cases.ts";
import { servedSigningMemory } from "./broken-drivers.ts";

describe("wrapDriver", () => {
  it("forwards the upload session methods, uploadLimits and uploadPart", async () => {
    const fixture = servedSigningMemory();
    const calls: string[] = [];
    const driver = wrapDriver(fixture.driver, { onCall: (method) => calls.push(method) });
    expect(driver.uploadLimits).toBe(fixture.driver.uploadLimits);
    expect(typeof (driver as unknown as { uploadPart?: unknown }).uploadPart).toBe("function");
    const abort = uploadSessionCases.find((each) => each.name.startsWith("uploads: after abort"))!;
    await runCase(abort, { ...fixture, driver });
    expect(new Set(calls)).toEqual(new Set(["createUpload", "signUploadPart", "listUploads", "abortUpload", "head", "get"]));
  });
});
