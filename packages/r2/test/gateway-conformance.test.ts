import { env } from "cloudflare:workers";
import { describeConformance } from "@stowage/conformance/vitest";
import worker, { gatewayStorage, type GatewayEnv } from "./gateway-worker.ts";

// Gateway mode inside workerd: the whole suite, signing cases included, with
// the unauthenticated client's requests going to the Worker's fetch handler.
const gatewayEnv = env as unknown as GatewayEnv;

describeConformance({
  name: "r2 gateway (Worker route + @stowage/http)",
  create: () => ({
    driver: gatewayStorage(gatewayEnv).driver,
    fetch: (request) => worker.fetch(request, gatewayEnv),
  }),
});
