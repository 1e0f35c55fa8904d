export { FsDriver, fsDriver, fsCapabilities } from "./fs-driver.js";
export type { FsStore } from "./fs-driver.js";
export type { FsDriverOptions } from "./fs-driver-options.js";
export type { CleanupReport } from "./cleanup-root.js";
export type { Confinement } from "./root-directory.js";
