import { defineCase } from "../conformance-case.js";
import { assertBytesEqual, assertEqual, assertRejectsWith, assertTrue } from "../assert.js";

const illegalKeys = ["", "/a", "a/", "a//b", ".", "..", "a/./b", "a/../b", "../x", "a\u0000b", "a\nb", "a\u007fb", "\ud800", "x".repeat(1025)];

export const keyCases = [
  defineCase({
    name: "keys: illegal keys give InvalidKey on every operation",
    requires: [],
    async run({ storage }) {
      for (const key of illegalKeys) {
        const label = JSON.stringify(key.slice(0, 20));
        await assertRejectsWith(storage.put(key, "x"), "InvalidKey", `put ${label}`);
        await assertRejectsWith(storage.get(key), "InvalidKey", `get ${label}`);
        await assertRejectsWith(storage.head(key), "InvalidKey", `head ${label}`);
        await assertRejectsWith(storage.delete(key), "InvalidKey", `delete ${label}`);
      }
    },
  }),
  defineCase({
    name: "keys: special characters round-trip",
    requires: [],
    async run({ storage, key }) {
      const names = ["a b", "+ % # ? & = ~ * ' \" \\ < > |", "%2F", "emoji-😀", "combining-e\u0301", "cjk-漢字", "a..b"];
      for (const name of names) {
        const full = key(name);
        const body = new TextEncoder().encode(`body of ${name}`);
        const info = await storage.put(full, body);
        assertEqual(info.key, full, `put returns the key for ${name}`);
        const object = await storage.get(full);
        assertTrue(object !== null, `get ${name} finds the object`);
        assertEqual(object.key, full, `get returns the key for ${name}`);
        assertBytesEqual(await object.bytes(), body, `body of ${name}`);
      }
    },
  }),
];
