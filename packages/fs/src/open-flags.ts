import { constants } from "node:fs";

const noFollow = constants.O_NOFOLLOW ?? 0;

/**
 * Opening an object file to read it. O_NOFOLLOW: a symbolic link at the
 * name is refused (ELOOP). O_NONBLOCK: opening never waits (a FIFO planted
 * where a file should be); it has no effect on regular files.
 */
export const readFlags = constants.O_RDONLY | noFollow | (constants.O_NONBLOCK ?? 0);

/** Creating a file: create-only, and never through a link at the name. */
export const createFlags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | noFollow;
