/** The parts of a Node.js `Readable` this module uses (duck-typed: no `node:` import). */
interface NodeReadableLike {
  read(): Uint8Array | null;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  destroy(error?: Error): unknown;
  readableEnded?: boolean;
  errored?: unknown;
}

function isNodeReadable(value: unknown): value is NodeReadableLike {
  const candidate = value as Partial<NodeReadableLike> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.read === "function" &&
    typeof candidate.once === "function" &&
    typeof candidate.destroy === "function"
  );
}

/**
 * Turns an SDK response body into a web `ReadableStream`. A web stream (fetch
 * handler) is used as it is. A Node `Readable` (the default Node handler) is
 * read in bulk: each pull takes everything buffered so far as one chunk,
 * which costs far less per byte than `Readable.toWeb`'s chunk-by-chunk copy.
 */
export function responseBodyStream(body: unknown): ReadableStream<Uint8Array> {
  if (body instanceof ReadableStream) return body as ReadableStream<Uint8Array>;
  if (isNodeReadable(body)) return nodeReadableStream(body);
  const sdkBody = body as { transformToWebStream?: () => ReadableStream<Uint8Array> } | undefined;
  if (typeof sdkBody?.transformToWebStream === "function") return sdkBody.transformToWebStream();
  return new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
}

function nodeReadableStream(readable: NodeReadableLike): ReadableStream<Uint8Array> {
  let ended = false;
  let failure: unknown;
  const onEnd = () => {
    ended = true;
  };
  const onError = (error: unknown) => {
    failure = error ?? new Error("The response body failed");
  };
  readable.once("end", onEnd);
  readable.once("error", onError);
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        return new Promise<void>((resolve, reject) => {
          const attempt = () => {
            if (failure !== undefined) {
              cleanup();
              reject(failure);
              return true;
            }
            const chunk = readable.read();
            if (chunk !== null) {
              cleanup();
              controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
              resolve();
              return true;
            }
            if (ended || readable.readableEnded) {
              cleanup();
              controller.close();
              resolve();
              return true;
            }
            return false;
          };
          const wake = () => {
            if (!attempt()) readable.once("readable", wake);
          };
          const cleanup = () => {
            readable.off("readable", wake);
            readable.off("end", wake);
            readable.off("error", wake);
          };
          if (attempt()) return;
          readable.once("readable", wake);
          readable.once("end", wake);
          readable.once("error", wake);
        });
      },
      cancel(reason) {
        readable.off("end", onEnd);
        readable.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
