export { FsDriver, fsDriver, fsCapabilities } from "./fs-driver.js";
export type { CleanupReport, FsDriverOptions, FsStore } from "./fs-driver.js";
