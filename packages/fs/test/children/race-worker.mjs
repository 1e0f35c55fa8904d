// Races conditional puts against other processes.
// argv: bundle path, JSON { root, mode: "create" | "cas", keys?, key?, increments? }
const [bundlePath, argumentText] = process.argv.slice(2);
const { fsDriver, createStorage, isStorageError } = await import(bundlePath);
const options = JSON.parse(argumentText);
const storage = createStorage(fsDriver({ root: options.root, cleanupOnStart: false }));

if (options.mode === "create") {
  // Try to create every key; report the ones this process won.
  const won = [];
  await Promise.all(
    options.keys.map(async (key) => {
      try {
        await storage.put(key, `${process.pid}`, { ifNotExists: true });
        won.push(key);
      } catch (error) {
        if (!isStorageError(error, "AlreadyExists")) throw error;
      }
    }),
  );
  process.stdout.write(JSON.stringify({ won }));
} else if (options.mode === "cas") {
  // Increment a counter with compare-and-swap, retrying on conflicts.
  let conflicts = 0;
  for (let done = 0; done < options.increments; ) {
    const current = await storage.get(options.key);
    const value = Number(await current.text());
    try {
      await storage.put(options.key, String(value + 1), { ifMatch: current.etag });
      done++;
    } catch (error) {
      if (!isStorageError(error, "PreconditionFailed")) throw error;
      conflicts++;
    }
  }
  process.stdout.write(JSON.stringify({ conflicts }));
}
