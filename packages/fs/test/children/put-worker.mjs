// Puts one key and prints the outcome: "ok" or the StorageError code.
// argv: bundle path, JSON { root, key, body }
const [bundlePath, argumentText] = process.argv.slice(2);
const { fsDriver, createStorage } = await import(bundlePath);
const { root, key, body } = JSON.parse(argumentText);
const storage = createStorage(fsDriver({ root, cleanupOnStart: false }));
try {
  await storage.put(key, body);
  process.stdout.write("ok");
} catch (error) {
  process.stdout.write(`${error.code}:${error.retryable}`);
}
