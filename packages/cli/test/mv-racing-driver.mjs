// A driver for `stowage mv` tests (module: scheme): a memory store holding
// env.RACE_KEY = "original"; the first get of that key (the copy of a move
// across storages) is followed by a write of a new version, as if another
// client wrote the source while it was being moved.
import { Storage } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";

/** The stores this module created, newest last (in-process tests inspect them). */
export const stores = [];

export default async function createDriver(env) {
  const inner = memoryDriver();
  const side = new Storage(inner);
  stores.push(side);
  const raceKey = env.RACE_KEY ?? "doc.txt";
  await side.put(raceKey, "original", { contentType: "text/plain", metadata: { rev: "1" } });
  let raced = false;
  return new Proxy(inner, {
    get(target, property) {
      if (property === "get") {
        return async (key, options) => {
          const result = await target.get(key, options);
          if (!raced && key === raceKey && env.RACE !== "off") {
            raced = true;
            await side.put(key, "written during the move");
          }
          return result;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
