// Sets the process umask, then makes a root and objects of every kind of put.
// argv: bundle path, JSON { root, umask, options }
const [bundlePath, argumentText] = process.argv.slice(2);
const { fsDriver, createStorage } = await import(bundlePath);
const { root, umask, options } = JSON.parse(argumentText);
process.umask(umask);
const driver = fsDriver({ root, cleanupOnStart: false, ...options });
const storage = createStorage(driver);
const info = await storage.put("a/b/c", "plain");
await storage.put("a/b/c", "swapped", { ifMatch: info.etag });
await storage.put("a/stream", new Blob(["streamed"]).stream());
await storage.put("x/y/z", "created", { ifNotExists: true });
await storage.put("top", "top");
await driver.close?.();
process.stdout.write(JSON.stringify({ umask: process.umask() }));
