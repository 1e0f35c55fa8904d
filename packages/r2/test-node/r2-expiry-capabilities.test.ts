// The r2 driver's expiry flags: expiry always (the binding lists customMetadata);
// signGetExpiry only in gateway mode (URLs served through a Storage by @stowage/http).
import { createHmacSigner } from "@stowage/core";
import { r2Driver, r2Presigner } from "@stowage/r2";
import { describe, expect, it } from "vitest";

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };
const bucket = {} as never;

describe("r2 expiry capabilities", () => {
  it("without a signer: expiry on, signGetExpiry off with the signing hint", () => {
    const driver = r2Driver({ bucket });
    expect(driver.capabilities.expiry).toBe(true);
    expect(driver.capabilities.signGetExpiry).toBe(false);
    expect(driver.capabilityHints.signGetExpiry).toMatch(/signing: r2Presigner/);
    expect(driver.capabilityHints.expiry).toBeUndefined();
  });

  it("native mode: expiry on, signGetExpiry off, the hint names gateway mode", () => {
    const driver = r2Driver({ bucket, signing: r2Presigner({ accountId: "0123456789abcdef0123456789abcdef", bucketName: "b", ...credentials }) });
    expect(driver.capabilities.expiry).toBe(true);
    expect(driver.capabilities.signGetExpiry).toBe(false);
    expect(driver.capabilityHints.signGetExpiry).toMatch(/native mode.*HEADs the object first.*createHmacSigner/);
  });

  it("gateway mode: expiry and signGetExpiry on", () => {
    const driver = r2Driver({ bucket, signing: createHmacSigner({ secrets: [{ id: "k1", secret: "0123456789abcdef0123456789abcdef" }], baseUrl: "https://files.example.com/__storage" }) });
    expect(driver.capabilities.expiry).toBe(true);
    expect(driver.capabilities.signGetExpiry).toBe(true);
    expect(driver.capabilityHints.signGetExpiry).toBeUndefined();
  });
});
