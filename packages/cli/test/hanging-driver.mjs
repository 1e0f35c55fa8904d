// A driver for the SIGINT tests (module: scheme): `get` writes "get started"
// to stderr and then waits for its abort signal, as a slow server would
// (HANG_IN_OPEN=1: the driver factory itself never returns).
import { StorageError } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";

export default async function createDriver(env) {
  if (env.HANG_IN_OPEN === "1") {
    // Opening is not abortable: only a second SIGINT ends this.
    process.stderr.write("get started\n");
    setInterval(() => {}, 1000);
    await new Promise(() => {});
  }
  const inner = memoryDriver();
  return new Proxy(inner, {
    get(target, property) {
      if (property === "get") {
        return (_key, options) =>
          new Promise((_resolve, reject) => {
            process.stderr.write("get started\n");
            // The pending request keeps the process alive, as a socket would.
            const alive = setInterval(() => {}, 1000);
            const signal = options?.signal;
            if (signal === undefined) return;
            const onAbort = () => {
              clearInterval(alive);
              reject(new StorageError("Aborted", "get aborted", { cause: signal.reason }));
            };
            if (signal.aborted) onAbort();
            else signal.addEventListener("abort", onAbort, { once: true });
          });
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
