import {
  noCapabilities,
  type Capabilities,
  type DriverGetResult,
  type ListPage,
  type ObjectInfo,
  type SignedRequest,
  type StorageDriver,
} from "@stowage/core";

/** One call a spy driver received. */
export interface DriverCall {
  method: string;
  key?: string;
  keys?: string[];
  options?: unknown;
  body?: unknown;
}

export interface SpyDriver extends StorageDriver {
  readonly calls: DriverCall[];
}

export interface SpyDriverOptions {
  name?: string;
  capabilities?: Partial<Capabilities>;
  /** Makes every method reject (or throw synchronously, for `"sync"`) with this value. */
  failWith?: unknown;
  failMode?: "reject" | "sync";
  /** What `list` returns (default: an empty page). */
  listPage?: ListPage;
  /** With signing on, the driver has signPut/signGet methods. */
  signing?: boolean;
}

export function objectInfo(key: string, extra: Partial<ObjectInfo> = {}): ObjectInfo {
  return {
    key,
    size: 3,
    etag: "etag-1",
    lastModified: new Date(0),
    contentType: "application/octet-stream",
    metadata: {},
    ...extra,
  };
}

/**
 * A driver that records every call and answers with canned values. Tests use
 * it to see what `Storage` hands a driver, and that it is not called at all
 * when `Storage` refuses an operation.
 */
export function spyDriver(options: SpyDriverOptions = {}): SpyDriver {
  const calls: DriverCall[] = [];
  const answer = <T>(value: T): Promise<T> => {
    if (options.failWith !== undefined) {
      if (options.failMode === "sync") throw options.failWith;
      return Promise.reject(options.failWith);
    }
    return Promise.resolve(value);
  };
  const signed = (key: string): SignedRequest => ({
    url: `https://signed.example/${encodeURIComponent(key)}`,
    method: "PUT",
    headers: {},
    expiresAt: new Date(0),
  });
  const driver: SpyDriver = {
    name: options.name ?? "spy",
    capabilities: { ...noCapabilities, ...options.capabilities },
    calls,
    put(key, body, putOptions) {
      calls.push({ method: "put", key, body, options: putOptions });
      return answer(objectInfo(key));
    },
    get(key, getOptions) {
      calls.push({ method: "get", key, options: getOptions });
      const result: DriverGetResult = { info: objectInfo(key), body: new Uint8Array([1, 2, 3]) };
      return answer(result);
    },
    head(key, headOptions) {
      calls.push({ method: "head", key, options: headOptions });
      return answer(objectInfo(key));
    },
    list(listOptions) {
      calls.push({ method: "list", options: listOptions });
      return answer(options.listPage ?? { objects: [], prefixes: [] });
    },
    delete(keys, deleteOptions) {
      calls.push({ method: "delete", keys, options: deleteOptions });
      return answer(undefined);
    },
  };
  if (options.signing) {
    driver.signPut = (key, signOptions) => {
      calls.push({ method: "signPut", key, options: signOptions });
      return answer(signed(key));
    };
    driver.signGet = (key, signOptions) => {
      calls.push({ method: "signGet", key, options: signOptions });
      return answer({ ...signed(key), method: "GET" });
    };
  }
  return driver;
}

/** Every capability on. */
export const allCapabilities: Capabilities = Object.fromEntries(
  Object.keys(noCapabilities).map((name) => [name, true]),
) as unknown as Capabilities;
