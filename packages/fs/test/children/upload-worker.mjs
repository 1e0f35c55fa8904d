// Completes upload sessions (created by the parent) racing other processes, or dies mid-part.
// argv: bundle path, JSON { root, mode: "complete" | "crash", sessions?, session?, partNumber?, partSize? }
const [bundlePath, argumentText] = process.argv.slice(2);
const { fsDriver, createStorage, isStorageError } = await import(bundlePath);
const options = JSON.parse(argumentText);
const driver = fsDriver({
  root: options.root,
  cleanupOnStart: false,
  signing: { secrets: [{ id: "test", secret: "fs-upload-race-secret-0123456789abcdef" }], baseUrl: "http://localhost/__storage" },
});
const storage = createStorage(driver);
await driver.ready;
// Every process starts at the same instant, so the completions really overlap.
if (options.startAt !== undefined) await new Promise((resolve) => setTimeout(resolve, Math.max(0, options.startAt - Date.now())));

if (options.mode === "complete") {
  // Completes every session at once; reports which this process completed and how the others failed.
  const won = [];
  const lost = {};
  await Promise.all(
    options.sessions.map(async (session) => {
      try {
        const info = await storage.uploads.complete(session);
        won.push({ uploadId: session.uploadId, key: info.key, etag: info.etag, size: info.size });
      } catch (error) {
        if (!isStorageError(error, "AlreadyExists") && !isStorageError(error, "NotFound")) throw error;
        lost[error.code] = (lost[error.code] ?? 0) + 1;
      }
    }),
  );
  process.stdout.write(JSON.stringify({ won, lost }));
} else if (options.mode === "crash") {
  // Re-uploads part `partNumber` as a stream that sends half its bytes, then
  // hangs; once the half is on disk, dies at once (SIGKILL, no cleanup).
  const { session, partNumber, partSize } = options;
  const half = new Uint8Array(partSize >> 1).fill(7);
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(half);
    },
  });
  driver.uploadPart(session.key, session.uploadId, partNumber, body, { size: partSize }).catch(() => {});
  setTimeout(() => process.kill(process.pid, "SIGKILL"), 500);
}
