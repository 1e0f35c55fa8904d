import type { Storage, StorageDriver } from "@stowage/core";

/** The stores the racing driver module created, newest last. */
export declare const stores: Storage[];
/** The racing driver (see mv-racing-driver.mjs). */
export default function createDriver(env: Record<string, string | undefined>): Promise<StorageDriver>;
