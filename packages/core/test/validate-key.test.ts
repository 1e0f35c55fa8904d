import { describe, expect, it } from "vitest";
import { StorageError, assertValidKey, isValidKey, keyProblem, maxKeyBytes } from "@stowage/core";

const utf8 = new TextEncoder();

const legal: Array<[string, string]> = [
  ["one character", "a"],
  ["nested path", "a/b/c"],
  ["a dot inside a segment", "a/b.c"],
  ["dots that are not . or ..", "a/.../b"],
  ["a leading dot in a segment", ".hidden/..config"],
  ["a trailing dot in a segment", "a./b.."],
  ["spaces", "with space/and  two"],
  ["URL-special characters", "+ % # ? & = ~ * ' \" \\ < > |"],
  ["%2F as literal text", "a%2Fb"],
  ["emoji", "photos/😀🎉"],
  ["combining marks", "e\u0301/cafe\u0301"],
  ["CJK", "文件/数据"],
  ["U+0080 (a C1 control, not excluded)", "a\u0080b"],
  ["U+2028 line separator", "a\u2028b"],
  ["U+FFFF", "a\uffff"],
  ["U+10FFFF as a surrogate pair", "\udbff\udfff"],
  ["a backslash segment", "a\\..\\b"],
  ["1024 ASCII bytes", "a".repeat(1024)],
  ["512 two-byte characters (1024 bytes)", "é".repeat(512)],
  ["341 three-byte characters and one ASCII (1024 bytes)", "€".repeat(341) + "a"],
  ["256 four-byte characters (1024 bytes)", "😀".repeat(256)],
  ["1024 bytes with slashes", "a/".repeat(511) + "ab"],
];

const illegal: Array<[string, unknown, RegExp]> = [
  ["not a string", 42, /string/],
  ["undefined", undefined, /string/],
  ["empty", "", /empty/],
  ["a leading slash", "/a", /start with \//],
  ["only a slash", "/", /start with \//],
  ["a trailing slash", "a/", /end with \//],
  ["an empty segment", "a//b", /empty segment/],
  ["a . segment", "a/./b", /\. or \.\. segment/],
  ["a .. segment", "a/../b", /\. or \.\. segment/],
  ["only .", ".", /\. or \.\. segment/],
  ["only ..", "..", /\. or \.\. segment/],
  ["a leading ./", "./a", /\. or \.\. segment/],
  ["a trailing /..", "a/..", /\. or \.\. segment/],
  ["NUL", "a\u0000b", /control/],
  ["U+001F", "a\u001fb", /control/],
  ["a newline", "a\nb", /control/],
  ["a tab", "a\tb", /control/],
  ["DEL (U+007F)", "a\u007fb", /control/],
  ["a lone high surrogate at the end", "a\ud800", /surrogate/],
  ["a lone high surrogate before a letter", "\ud83dx", /surrogate/],
  ["a lone low surrogate", "a\udc00b", /surrogate/],
  ["two high surrogates", "\ud800\ud800", /surrogate/],
  ["a reversed pair", "\ude00\ud83d", /surrogate/],
  ["1025 ASCII bytes", "a".repeat(1025), /1024 bytes/],
  ["512 two-byte characters and one ASCII (1025 bytes)", "é".repeat(512) + "a", /got 1025/],
  ["342 three-byte characters (1026 bytes)", "€".repeat(342), /got 1026/],
  ["341 three-byte characters and two ASCII (1025 bytes)", "€".repeat(341) + "aa", /got 1025/],
  ["256 four-byte characters and one ASCII (1025 bytes)", "😀".repeat(256) + "a", /got 1025/],
  ["1023 characters that are 1025 bytes", "é".repeat(2) + "a".repeat(1021), /got 1025/],
];

describe("keyProblem / isValidKey / assertValidKey", () => {
  it.each(legal)("accepts %s", (_name, key) => {
    expect(keyProblem(key)).toBeUndefined();
    expect(isValidKey(key)).toBe(true);
    expect(() => assertValidKey(key, "put")).not.toThrow();
  });

  it.each(illegal)("refuses %s", (_name, key, reason) => {
    const problem = keyProblem(key);
    expect(problem).toMatch(reason);
    expect(isValidKey(key)).toBe(false);
    let thrown: unknown;
    try {
      assertValidKey(key, "head");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StorageError);
    expect(thrown).toMatchObject({ code: "InvalidKey", operation: "head" });
    expect((thrown as StorageError).key).toBe(typeof key === "string" ? key : undefined);
  });

  it("measures the 1024-byte limit in UTF-8 bytes, agreeing with TextEncoder", () => {
    expect(maxKeyBytes).toBe(1024);
    const pieces = ["a", "é", "€", "😀", "文", "/b"];
    let seed = 3;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let round = 0; round < 500; round++) {
      let key = "k";
      const target = 1000 + Math.floor(next() * 40);
      while (utf8.encode(key).length < target) key += pieces[Math.floor(next() * pieces.length)];
      const bytes = utf8.encode(key).length;
      expect(isValidKey(key), `${bytes} bytes`).toBe(bytes <= 1024);
    }
  });

  it("shortens a very long key in the error message", () => {
    const key = "x".repeat(5000);
    expect(() => assertValidKey(key)).toThrow(/…/);
    try {
      assertValidKey(key);
    } catch (error) {
      expect((error as Error).message.length).toBeLessThan(300);
      expect((error as StorageError).key).toBe(key);
    }
  });
});
