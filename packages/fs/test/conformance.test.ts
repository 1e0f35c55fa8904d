import { describeConformance } from "@stowage/conformance/vitest";
import { fsDriver } from "@stowage/fs";
import { leftoverFiles, removeRoot, tempRoot } from "./temp-root.js";

describeConformance({
  name: "fs",
  async create() {
    const root = await tempRoot("conformance");
    const driver = fsDriver({ root });
    await driver.ready;
    return {
      driver,
      leftovers: () => leftoverFiles(root),
      close: () => removeRoot(root),
    };
  },
});
