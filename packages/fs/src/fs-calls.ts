import * as fs from "node:fs";
import type { Dirent, Stats } from "node:fs";

/** A value now (a blocking call) or later (through libuv's thread pool). */
export type Maybe<T> = T | Promise<T>;

/**
 * The short metadata calls the driver makes on every operation: opening a
 * directory level or an object file, reading a header, listing a directory.
 * The driver's code awaits each one, so one code path runs with either
 * strategy: {@link blockingCalls} (a few microseconds each on a local disk,
 * holding the event loop meanwhile) or {@link threadPoolCalls}.
 */
export interface MetadataCalls {
  open(path: string, flags: number, mode?: number): Maybe<number>;
  close(descriptor: number): Maybe<void>;
  read(descriptor: number, buffer: Uint8Array, offset: number, length: number, position: number): Maybe<number>;
  fchmod(descriptor: number, mode: number): Maybe<void>;
  lstat(path: string): Maybe<Stats>;
  fstat(descriptor: number): Maybe<Stats>;
  readdir(path: string): Maybe<Dirent[]>;
  mkdir(path: string, mode: number): Maybe<void>;
}

/**
 * Every call the driver makes, always through the thread pool: the ones
 * above, and those that may wait on the disk (a rename over a file can
 * start writeback; fsync waits for it) or are rare.
 */
export interface FsCalls extends MetadataCalls {
  open(path: string, flags: number, mode?: number): Promise<number>;
  close(descriptor: number): Promise<void>;
  read(descriptor: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  fchmod(descriptor: number, mode: number): Promise<void>;
  lstat(path: string): Promise<Stats>;
  fstat(descriptor: number): Promise<Stats>;
  readdir(path: string): Promise<Dirent[]>;
  mkdir(path: string, mode: number): Promise<void>;
  writev(descriptor: number, buffers: Uint8Array[], position: number): Promise<number>;
  fsync(descriptor: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  link(existing: string, created: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  /**
   * copyFile(3) of libuv: with `COPYFILE_FICLONE`, a reflink where the file
   * system has one (btrfs, xfs, APFS...), else a copy inside the kernel
   * (copy_file_range, sendfile): no byte passes through this process.
   */
  copyFile(source: string, target: string, mode: number): Promise<void>;
}

/** Blocking metadata calls: fast on a local disk, but they hold the event loop. */
export const blockingCalls: MetadataCalls = {
  open: (path, flags, mode) => fs.openSync(path, flags, mode),
  close: (descriptor) => fs.closeSync(descriptor),
  read: (descriptor, buffer, offset, length, position) => fs.readSync(descriptor, buffer, offset, length, position),
  fchmod: (descriptor, mode) => fs.fchmodSync(descriptor, mode),
  lstat: (path) => fs.lstatSync(path),
  fstat: (descriptor) => fs.fstatSync(descriptor),
  readdir: (path) => fs.readdirSync(path, { withFileTypes: true }),
  mkdir: (path, mode) => {
    fs.mkdirSync(path, mode);
  },
};

function settle<T>(resolve: (value: T) => void, reject: (error: unknown) => void) {
  return (error: NodeJS.ErrnoException | null, value: T) => (error ? reject(error) : resolve(value));
}

/**
 * Calls through libuv's thread pool, on plain descriptors (lighter than
 * `FileHandle`: no handle object or close promise per file).
 */
export const threadPoolCalls: FsCalls = {
  open: (path, flags, mode) => new Promise((resolve, reject) => fs.open(path, flags, mode, settle(resolve, reject))),
  close: (descriptor) => new Promise((resolve, reject) => fs.close(descriptor, (error) => (error ? reject(error) : resolve()))),
  read: (descriptor, buffer, offset, length, position) =>
    new Promise((resolve, reject) => fs.read(descriptor, buffer, offset, length, position, settle(resolve, reject))),
  fchmod: (descriptor, mode) => new Promise((resolve, reject) => fs.fchmod(descriptor, mode, (error) => (error ? reject(error) : resolve()))),
  lstat: (path) => new Promise((resolve, reject) => fs.lstat(path, settle(resolve, reject))),
  fstat: (descriptor) => new Promise((resolve, reject) => fs.fstat(descriptor, settle(resolve, reject))),
  readdir: (path) => new Promise((resolve, reject) => fs.readdir(path, { withFileTypes: true }, settle(resolve, reject))),
  mkdir: (path, mode) => new Promise((resolve, reject) => fs.mkdir(path, mode, (error) => (error ? reject(error) : resolve()))),
  writev: (descriptor, buffers, position) =>
    new Promise((resolve, reject) => fs.writev(descriptor, buffers, position, settle(resolve, reject))),
  fsync: (descriptor) => new Promise((resolve, reject) => fs.fsync(descriptor, (error) => (error ? reject(error) : resolve()))),
  rename: (from, to) => new Promise((resolve, reject) => fs.rename(from, to, (error) => (error ? reject(error) : resolve()))),
  link: (existing, created) => new Promise((resolve, reject) => fs.link(existing, created, (error) => (error ? reject(error) : resolve()))),
  unlink: (path) => new Promise((resolve, reject) => fs.unlink(path, (error) => (error ? reject(error) : resolve()))),
  rmdir: (path) => new Promise((resolve, reject) => fs.rmdir(path, (error) => (error ? reject(error) : resolve()))),
  copyFile: (source, target, mode) =>
    new Promise((resolve, reject) => fs.copyFile(source, target, mode, (error) => (error ? reject(error) : resolve()))),
};
