export { R2Driver, r2Driver, r2Capabilities } from "./r2-driver.js";
export type { R2DriverOptions } from "./r2-driver.js";
