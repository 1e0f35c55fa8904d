import { createStorage } from "@stowage/core";
import { defineCase } from "../conformance-case.js";
import { assertBytesEqual, assertDeepEqual, assertEqual, assertRejectsWith, assertTrue, fail } from "../assert.js";
import { assertAbsent, assertStored, keyOfBytes, listKeys, utf8 } from "../case-tools.js";
import { wrapDriver } from "../wrap-driver.js";

const illegalKeys = [
  "",
  "/a",
  "a/",
  "a//b",
  ".",
  "..",
  "a/./b",
  "a/../b",
  "../x",
  "x/..",
  "a\u0000b",
  "a\nb",
  "a\tb",
  "a\u001fb",
  "a\u007fb",
  "\ud800",
  "a\udc00b",
  "x".repeat(1025),
];

function label(key: string): string {
  return JSON.stringify(key.length > 20 ? `${key.slice(0, 20)}…` : key);
}

/** Every printable ASCII character (U+0020-U+007E) except "/" (which separates segments). */
const printableAscii = Array.from({ length: 0x7f - 0x20 }, (_, index) => String.fromCharCode(0x20 + index))
  .filter((char) => char !== "/")
  .join("");

export const keyCases = [
  defineCase({
    name: "keys: illegal keys give InvalidKey on put, get, head and delete",
    requires: [],
    async run({ storage }) {
      for (const key of illegalKeys) {
        await assertRejectsWith(storage.put(key, "x"), "InvalidKey", `put ${label(key)}`);
        await assertRejectsWith(storage.get(key), "InvalidKey", `get ${label(key)}`);
        await assertRejectsWith(storage.head(key), "InvalidKey", `head ${label(key)}`);
        await assertRejectsWith(storage.delete(key), "InvalidKey", `delete ${label(key)}`);
        await assertRejectsWith(storage.delete(["fine", key]), "InvalidKey", `delete [..., ${label(key)}]`);
      }
    },
  }),
  defineCase({
    name: "keys: illegal keys give InvalidKey on signPut and signGet, with or without signing",
    requires: [],
    async run({ storage }) {
      for (const key of illegalKeys) {
        await assertRejectsWith(storage.signPut(key), "InvalidKey", `signPut ${label(key)}`);
        await assertRejectsWith(storage.signGet(key), "InvalidKey", `signGet ${label(key)}`);
      }
    },
  }),
  defineCase({
    name: "keys: illegal keys are refused before the driver is called",
    requires: [],
    async run({ fixture }) {
      const calls: string[] = [];
      const spied = createStorage(wrapDriver(fixture.driver, { onCall: (method) => calls.push(method) }));
      for (const key of illegalKeys) {
        await assertRejectsWith(spied.put(key, "x"), "InvalidKey", `put ${label(key)}`);
        await assertRejectsWith(spied.get(key), "InvalidKey", `get ${label(key)}`);
        await assertRejectsWith(spied.head(key), "InvalidKey", `head ${label(key)}`);
        await assertRejectsWith(spied.delete(["ok-key", key]), "InvalidKey", `delete ${label(key)}`);
        await assertRejectsWith(spied.signPut(key), "InvalidKey", `signPut ${label(key)}`);
        await assertRejectsWith(spied.signGet(key), "InvalidKey", `signGet ${label(key)}`);
      }
      assertDeepEqual(calls, [], "no driver method ran");
    },
  }),
  defineCase({
    name: "keys: a 1024-byte key round-trips",
    requires: [],
    async run({ storage, prefix }) {
      const longest = keyOfBytes(prefix, 1024);
      assertEqual(utf8(longest).byteLength, 1024, "the key is 1024 bytes");
      const info = await storage.put(longest, "longest");
      assertEqual(info.key, longest, "put returns the 1024-byte key");
      const object = await storage.get(longest);
      assertTrue(object !== null, "get finds the 1024-byte key");
      assertEqual(object.key, longest, "get returns the 1024-byte key");
      assertEqual(await object.text(), "longest", "body of the 1024-byte key");
      assertEqual((await storage.head(longest))?.key, longest, "head finds the 1024-byte key");
      const page = await storage.list({ prefix });
      assertEqual(page.objects[0]?.key, longest, "list returns the 1024-byte key");
      await storage.delete(longest);
      await assertAbsent(storage, longest, "after delete");
    },
  }),
  defineCase({
    name: "keys: a key over 1024 bytes of UTF-8 is InvalidKey before the driver runs",
    requires: [],
    async run({ fixture, prefix }) {
      const calls: string[] = [];
      const storage = createStorage(wrapDriver(fixture.driver, { onCall: (method) => calls.push(method) }));
      const tooLong = keyOfBytes(prefix, 1025);
      assertEqual(utf8(tooLong).byteLength, 1025, "the key is 1025 bytes");
      await assertRejectsWith(storage.put(tooLong, "x"), "InvalidKey", "put of a 1025-byte key");
      await assertRejectsWith(storage.get(tooLong), "InvalidKey", "get of a 1025-byte key");
      // 342 three-byte characters are 1026 bytes but only 342 UTF-16 units.
      await assertRejectsWith(storage.put(prefix + "\u6f22".repeat(342), "x"), "InvalidKey", "length counts UTF-8 bytes");
      assertDeepEqual(calls, [], "no driver method ran");
    },
  }),
  defineCase({
    name: "keys: special characters, emoji, combining marks and CJK round-trip",
    requires: [],
    async run(context) {
      const { storage, key } = context;
      const names = [
        "a b",
        "trailing space ",
        " leading space",
        "+ % # ? & = ~ * ' \" \\ < > |",
        "%2F",
        "%41%",
        "a+b",
        "emoji-😀🎉",
        "combining-e\u0301",
        "cjk-漢字かな한글",
        "rtl-עברית",
        "zero-width\u200bjoiner",
        "bom-\ufeff",
        "private-\ue000",
      ];
      for (const name of names) {
        const full = key(name);
        const body = utf8(`body of ${name}`);
        const info = await storage.put(full, body);
        assertEqual(info.key, full, `put returns the key for ${JSON.stringify(name)}`);
        const object = await storage.get(full);
        assertTrue(object !== null, `get ${JSON.stringify(name)} finds the object`);
        assertEqual(object.key, full, `get returns the key for ${JSON.stringify(name)}`);
        assertBytesEqual(await object.bytes(), body, `body of ${JSON.stringify(name)}`);
        assertEqual((await storage.head(full))?.key, full, `head returns the key for ${JSON.stringify(name)}`);
      }
      const listed = await listKeys(context);
      assertDeepEqual([...listed].sort(), names.map(key).sort(), "list returns every key unchanged");
    },
  }),
  defineCase({
    name: "keys: every printable ASCII character round-trips",
    requires: [],
    async run(context) {
      const { storage, key } = context;
      const full = key(printableAscii);
      await storage.put(full, "ascii");
      const object = await storage.get(full);
      assertTrue(object !== null, "get finds the key");
      assertEqual(object.key, full, "get returns the key unchanged");
      assertEqual(await object.text(), "ascii", "body");
      // Each character alone too, so one bad character is easy to spot.
      for (const char of printableAscii) {
        const single = key(`c${char}c`);
        await storage.put(single, char);
        const read = await storage.get(single);
        if (read === null) fail(`the key with ${JSON.stringify(char)} was not found`);
        assertEqual(read.key, single, `the key with ${JSON.stringify(char)}`);
        assertEqual(await read.text(), char, `the body stored under the key with ${JSON.stringify(char)}`);
      }
      assertEqual((await listKeys(context)).length, printableAscii.length + 1, "list finds every key");
    },
  }),
  defineCase({
    name: "keys: dots inside segment names are legal (a..b, .hidden, ..., a.)",
    requires: [],
    async run(context) {
      const { storage, key } = context;
      const names = ["a..b", ".hidden", "dir/.hidden", "...", "a.", "x/.../y", ".a/.b"];
      for (const name of names) await storage.put(key(name), name);
      for (const name of names) await assertStored(storage, key(name), utf8(name), JSON.stringify(name));
      assertDeepEqual([...(await listKeys(context))].sort(), names.map(key).sort(), "list returns every dotted key");
    },
  }),
  defineCase({
    name: "keys: a key and its directory coexist (a, a/b, a/b/c)",
    requires: [],
    async run(context) {
      const { storage, key } = context;
      // Written in both orders: parent first, and child first.
      await storage.put(key("a"), "a");
      await storage.put(key("a/b"), "a/b");
      await storage.put(key("a/b/c"), "a/b/c");
      await storage.put(key("x/y/z"), "x/y/z");
      await storage.put(key("x/y"), "x/y");
      await storage.put(key("x"), "x");
      for (const name of ["a", "a/b", "a/b/c", "x", "x/y", "x/y/z"]) {
        await assertStored(storage, key(name), utf8(name), name);
      }
      assertDeepEqual(await listKeys(context), ["a", "a/b", "a/b/c", "x", "x/y", "x/y/z"].map(key), "list shows all six");
      await storage.delete(key("a/b"));
      await assertStored(storage, key("a"), utf8("a"), "a after deleting a/b");
      await assertStored(storage, key("a/b/c"), utf8("a/b/c"), "a/b/c after deleting a/b");
      await assertAbsent(storage, key("a/b"), "a/b after delete");
      await storage.delete(key("x"));
      await assertStored(storage, key("x/y"), utf8("x/y"), "x/y after deleting x");
    },
  }),
  defineCase({
    name: "keys: NFC and NFD spellings are distinct keys",
    requires: [],
    async run(context) {
      const { storage, key } = context;
      const nfc = key("caf\u00e9");
      const nfd = key("cafe\u0301");
      assertTrue(nfc !== nfd && nfc.normalize("NFC") === nfd.normalize("NFC"), "the two spellings are canonically equal");
      await storage.put(nfc, "composed");
      assertEqual(await storage.head(nfd), null, "the NFD spelling does not find the NFC key");
      await storage.put(nfd, "decomposed");
      await assertStored(storage, nfc, utf8("composed"), "NFC key");
      await assertStored(storage, nfd, utf8("decomposed"), "NFD key");
      assertDeepEqual([...(await listKeys(context))].sort(), [nfc, nfd].sort(), "list returns both spellings unchanged");
      await storage.delete(nfd);
      await assertStored(storage, nfc, utf8("composed"), "NFC key after deleting the NFD key");
    },
  }),
];
