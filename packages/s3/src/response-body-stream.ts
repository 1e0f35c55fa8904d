/** The parts of a Node.js `Readable` this module uses (duck-typed: no `node:` import). */
interface NodeReadableLike {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  destroy(error?: Error): unknown;
}

const readAhead = 1024 * 1024;

function isNodeReadable(value: unknown): value is NodeReadableLike {
  const candidate = value as Partial<NodeReadableLike> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.on === "function" &&
    typeof candidate.pause === "function" &&
    typeof candidate.resume === "function" &&
    typeof candidate.destroy === "function"
  );
}

/**
 * Turns an SDK response body into a web `ReadableStream`. A web stream (fetch
 * handler) is used as it is. A Node `Readable` (the default Node handler)
 * flows into the web stream, which reads ahead up to 1 MiB and pauses the
 * socket beyond that, so a download runs at full speed with bounded memory.
 * `mapError` turns a body error (a reset socket, an abort) into the error
 * the reader sees.
 */
export function responseBodyStream(body: unknown, mapError: (error: unknown) => unknown = (error) => error): ReadableStream<Uint8Array> {
  if (body instanceof ReadableStream) return body as ReadableStream<Uint8Array>;
  if (isNodeReadable(body)) return nodeReadableStream(body, mapError);
  const sdkBody = body as { transformToWebStream?: () => ReadableStream<Uint8Array> } | undefined;
  if (typeof sdkBody?.transformToWebStream === "function") return sdkBody.transformToWebStream();
  return new ReadableStream<Uint8Array>({ start: (controller) => controller.close() });
}

function nodeReadableStream(readable: NodeReadableLike, mapError: (error: unknown) => unknown): ReadableStream<Uint8Array> {
  let controllerRef: ReadableStreamDefaultController<Uint8Array> | undefined;
  let finished = false;
  const detach = () => {
    finished = true;
    readable.off("data", onData);
    readable.off("end", onEnd);
    readable.off("error", onError);
  };
  const onData = (...args: unknown[]) => {
    const chunk = args[0] as Uint8Array;
    if (finished || controllerRef === undefined) return;
    controllerRef.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if ((controllerRef.desiredSize ?? 1) <= 0) readable.pause();
  };
  const onEnd = () => {
    if (finished) return;
    detach();
    controllerRef?.close();
  };
  const onError = (...args: unknown[]) => {
    if (finished) return;
    detach();
    controllerRef?.error(mapError(args[0] ?? new Error("The response body failed")));
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controllerRef = controller;
        readable.on("data", onData);
        readable.once("end", onEnd);
        readable.once("error", onError);
      },
      pull() {
        readable.resume();
      },
      cancel(reason) {
        detach();
        readable.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    // Read ahead up to 1 MiB so the socket keeps flowing at full speed.
    { highWaterMark: readAhead, size: (chunk) => chunk.byteLength },
  );
}
