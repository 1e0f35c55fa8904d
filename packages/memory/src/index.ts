export { MemoryDriver, memoryDriver, memoryCapabilities } from "./memory-driver.js";
export type { MemoryDriverOptions, MemoryStore } from "./memory-driver.js";
