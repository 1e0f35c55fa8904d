import { describe, expect, it } from "vitest";
import { memoryDriver } from "@stowage/memory";
import { kvConformanceCases, runKvCase } from "@stowage/kv/conformance";
import { brokenFixture, mutations } from "./broken-backends.ts";
import { kvMutationMap } from "./kv-mutation-map.ts";
import { storageFixture } from "./kv-fixtures.ts";

// Each KV conformance case must fail under at least one deliberately broken
// backend or layer; otherwise the case could pass while asserting nothing.

describe("kv mutations", () => {
  it("every case has at least one mutation, and every mapped mutation exists", () => {
    const names = kvConformanceCases.map((kvCase) => kvCase.name);
    expect(Object.keys(kvMutationMap).sort()).toEqual([...names].sort());
    for (const [name, killers] of Object.entries(kvMutationMap)) {
      expect(killers.length, name).toBeGreaterThan(0);
      for (const killer of killers) expect(Object.keys(mutations), `${name}: ${killer}`).toContain(killer);
    }
  });

  for (const kvCase of kvConformanceCases) {
    for (const mutationName of kvMutationMap[kvCase.name] ?? []) {
      it(`${kvCase.name} fails under "${mutationName}"`, { timeout: 120_000 }, async () => {
        // The honest fixture passes the case (so the failure below is the mutation's).
        await runKvCase(kvCase, storageFixture(memoryDriver()));
        const mutation = mutations[mutationName]!;
        const undo = mutation.patch?.();
        try {
          await expect(runKvCase(kvCase, brokenFixture(memoryDriver(), mutation))).rejects.toThrow();
        } finally {
          undo?.();
        }
      });
    }
  }
});
