import { StorageError, httpStatusForError } from "@stowage/core";

/**
 * Wraps a signed-URL handler so a download whose first bytes fail to read
 * answers an error status instead of a 200/206 with a broken body.
 *
 * Through `withEncryption`, a GET streams: the handler answers its status
 * and headers before the first segment is authenticated, and a tampered
 * segment then cuts the stream. Reading the first chunk before answering
 * turns a tampered first segment of what is served (the whole object's
 * first, or a range's first) into a 502 `Corrupted` answer. A later
 * segment that fails still cuts the stream there (the status is sent by
 * then): the client sees a failed download, never bytes past the point of
 * corruption.
 */
export function checkFirstChunk(handler: (request: Request) => Promise<Response>): (request: Request) => Promise<Response> {
  return async (request) => {
    const response = await handler(request);
    if (response.body === null || (response.status !== 200 && response.status !== 206)) return response;
    const reader = response.body.getReader();
    let first: ReadableStreamReadResult<Uint8Array>;
    try {
      first = await reader.read();
    } catch (error) {
      const code = error instanceof StorageError ? error.code : "Corrupted";
      const message = error instanceof Error ? error.message : "the stored object failed to read";
      return new Response(JSON.stringify({ error: { code, message } }), {
        status: error instanceof StorageError ? httpStatusForError(error) : 502,
        headers: { "content-type": "application/json; charset=utf-8" },
      });
    }
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        if (first.done) controller.close();
        else controller.enqueue(first.value);
      },
      async pull(controller) {
        if (first.done) return;
        const next = await reader.read();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
