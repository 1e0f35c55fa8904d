// A small tour of the portable API on the memory driver.
import { createStorage } from "@stowage/core";
import { memoryDriver } from "@stowage/memory";

const storage = createStorage(memoryDriver());
const log = (...parts) => console.log("demo:", ...parts);

const info = await storage.put("notes/hello.txt", "Hello, Stowage!", { contentType: "text/plain; charset=utf-8", metadata: { author: "demo" } });
log(`put ${info.key}: ${info.size} bytes, etag ${info.etag}`);
await storage.put("notes/todo.json", JSON.stringify({ items: ["write", "test"] }), { contentType: "application/json" });
await storage.put("images/logo.bin", new Uint8Array([0x89, 0x50, 0x4e, 0x47]));

const page = await storage.list({ prefix: "notes/" });
log(`list notes/: ${page.objects.map((object) => object.key).join(", ")}`);
const top = await storage.list({ delimiter: "/" });
log(`list with delimiter: prefixes ${top.prefixes.join(", ")}`);

const head = await storage.head("notes/hello.txt");
log(`head notes/hello.txt: ${head.contentType}, metadata ${JSON.stringify(head.metadata)}`);
const object = await storage.get("notes/hello.txt");
log(`get notes/hello.txt: ${JSON.stringify(await object.text())}`);
const range = await storage.get("notes/hello.txt", { range: { offset: 7, length: 7 } });
log(`get range 7+7: ${JSON.stringify(await range.text())}`);

try {
  await storage.put("notes/hello.txt", "again", { ifNotExists: true });
} catch (error) {
  log(`create-only put refused: ${error.code}`);
}
try {
  await storage.put("../escape", "x");
} catch (error) {
  log(`bad key refused: ${error.code} (${error.message})`);
}
await storage.delete(["notes/hello.txt", "notes/todo.json", "images/logo.bin"]);
log(`after delete: ${(await storage.list()).objects.length} objects`);
