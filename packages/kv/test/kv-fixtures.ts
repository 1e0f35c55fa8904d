import { createStorage, type StorageDriver } from "@stowage/core";
import type { KvFixture } from "@stowage/kv/conformance";
import { createKv } from "@stowage/kv";

/** A KV fixture over one driver: each Kv gets a Storage with the case's clock. */
export function storageFixture(driver: StorageDriver, close?: () => Promise<void>): KvFixture {
  return {
    create: ({ clock, prefix, cacheTtlSeconds, ttlSeconds }) =>
      createKv(createStorage(driver, { clock }), { clock, prefix, cacheTtlSeconds, ...(ttlSeconds === undefined ? {} : { ttlSeconds }) }),
    ...(close === undefined ? {} : { close }),
  };
}
