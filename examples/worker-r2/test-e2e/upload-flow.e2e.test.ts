// The shared upload-flow suite (examples/upload-app/test/upload-flow-suite.ts),
// registered unchanged against the Worker: the README's dev command
// (wrangler dev, local mode, a local R2 bucket behind the Worker's gateway).
import { describeUploadFlow } from "../../upload-app/test/upload-flow-suite.ts";
import { startWranglerDev } from "./wrangler-dev.ts";

describeUploadFlow({
  name: "r2 (Worker)",
  async start() {
    const worker = await startWranglerDev();
    return { baseUrl: worker.baseUrl, stop: worker.stop };
  },
});
