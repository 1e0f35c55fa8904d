// Overwrites `count` keys with `count` concurrent puts, and SIGKILLs itself a quarter of the way through.
// argv: bundle path, JSON { root, count }
import { createHash, randomBytes } from "node:crypto";
const [bundlePath, argumentText] = process.argv.slice(2);
const { fsDriver, createStorage } = await import(bundlePath);
const { root, count } = JSON.parse(argumentText);
const storage = createStorage(fsDriver({ root, cleanupOnStart: false }));
let completed = 0;
const gate = new Promise(() => {});
for (let round = 1; ; round++) {
  await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const body = randomBytes(8192 + ((index * 977 + round * 131) % 65536));
      const sum = createHash("sha256").update(body).digest("hex");
      // The body streams in two halves, the second after a delay that differs
      // per key, so commits spread over about half a second and the kill lands
      // with some keys committed and others half-written.
      const half = body.byteLength >> 1;
      const stream = new ReadableStream({
        async start(controller) {
          controller.enqueue(body.subarray(0, half));
          // Every other key never gets its second half before the kill, so
          // however fast (or starved) the machine is, the kill always lands
          // with writes in flight and some keys not yet committed.
          if (index % 2 === 1) await gate;
          await new Promise((resolve) => setTimeout(resolve, (index % 50) * 10));
          controller.enqueue(body.subarray(half));
          controller.close();
        },
      });
      const pending = storage.put(`crash/${index % 10}/key-${index}`, stream, {
        contentType: "application/x-new",
        metadata: { sum, round: String(round) },
      });
      await pending;
      // Once a quarter of the first round is on disk and the rest is in flight,
      // die at once, as a power cut of the process would: SIGKILL, no cleanup.
      if (++completed === Math.floor(count / 4)) process.kill(process.pid, "SIGKILL");
    }),
  );
}
