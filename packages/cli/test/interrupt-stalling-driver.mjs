// A test driver for `module:` locations: memory, except that the body of a
// key under `stall/` sends its first KiB and then never ends (until it is
// cancelled), calling globalThis.onStowageStall once it stalled. One driver
// per process, so a test can put an object and then copy it in another run.
import { memoryDriver } from "@stowage/memory";

let shared;

function stallingBody(bytes) {
  let sent = false;
  return new ReadableStream({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(bytes.slice(0, 1024));
        setTimeout(() => globalThis.onStowageStall?.(), 10);
        return undefined;
      }
      return new Promise(() => {});
    },
  });
}

export default function createDriver() {
  if (shared !== undefined) return shared;
  const inner = memoryDriver();
  shared = Object.create(inner);
  shared.get = async (key, options) => {
    const result = await inner.get(key, options);
    if (result === null || !key.startsWith("stall/")) return result;
    const bytes = result.body instanceof Uint8Array ? result.body : new Uint8Array(await new Response(result.body).arrayBuffer());
    return { ...result, body: stallingBody(bytes) };
  };
  return shared;
}
