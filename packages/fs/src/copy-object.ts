import { StorageError, type DriverCopyOptions, type ObjectInfo } from "@stowage/core";
import { closeSource, discardTarget, openSource, prepareTarget, SourceChanged, targetFields } from "./clone-object.js";
import { locateKey, throwIfAborted, type DriverContext } from "./driver-context.js";
import { mapFsError } from "./map-fs-error.js";
import { commit, exists } from "./write-object.js";

/** Attempts when the source is replaced while it is cloned by name (the `"path"` confinement only). */
export const sourceChangeAttempts = 5;

/**
 * Copies an object without reading its body into this process where it
 * can: the source is opened once, its header (and `ifMatch`) checked on
 * that open file, and the target is written from that very file into a
 * temporary file in the target's directory (see `prepareTarget`), then
 * published like a put: rename(2), or link(2) for `ifNotExists`, so of
 * concurrent create-only copies and puts exactly one wins. A failed or
 * aborted copy leaves the old target and no temporary file.
 */
export async function copyObject(context: DriverContext, from: string, to: string, options: DriverCopyOptions): Promise<ObjectInfo> {
  const sourceLocation = locateKey(context.codec, from);
  const targetLocation = locateKey(context.codec, to);
  try {
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(options.signal, "copy");
      // Fail early, before any byte is copied; the link at commit decides.
      if (options.ifNotExists && (await exists(context, targetLocation))) {
        throw new StorageError("AlreadyExists", `${to} already exists`);
      }
      const chain = await context.root.openChain(sourceLocation.directoryNames, context.meta);
      let source;
      try {
        source = chain === null ? null : await openSource(context, chain.last, sourceLocation.fileName, from, options.ifMatch);
      } finally {
        await chain?.close();
      }
      if (source === null) throw new StorageError("NotFound", `${from} does not exist`);
      try {
        const target = await prepareTarget(context, source, targetLocation, targetFields(source.parsed.info, to, options.replace), options.signal);
        let published = false;
        try {
          await commit(context, target.chain, target.temporary, targetLocation, to, { ifNotExists: options.ifNotExists === true });
          published = true;
        } finally {
          if (published) await target.chain.close();
          else await discardTarget(context, target);
        }
        return target.info;
      } catch (error) {
        if (error instanceof SourceChanged && attempt < sourceChangeAttempts) continue;
        throw error;
      } finally {
        await closeSource(context, source.descriptor);
      }
    }
  } catch (error) {
    throw mapFsError(error, `copy ${from} to ${to}`);
  }
}
