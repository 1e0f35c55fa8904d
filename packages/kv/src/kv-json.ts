import { kvError } from "./kv-errors.js";

/**
 * `JSON.stringify(value)`, refusing what would not read back as the same
 * value: `undefined` (anywhere), functions, symbols, bigints, non-finite
 * numbers, cycles, and objects that are not plain objects or arrays (Date,
 * Map, class instances). Throws `InvalidArgument` naming the path.
 */
export function strictJson(value: unknown, what: string, operation: string, key?: string): string {
  const seen = new Set<object>();
  const check = (current: unknown, path: string): void => {
    const problem = problemOf(current);
    if (problem !== undefined) {
      throw kvError("InvalidArgument", `${what} is not JSON-serializable: ${path} ${problem}; pass plain objects, arrays, strings, finite numbers, booleans and null`, operation, key);
    }
    if (typeof current !== "object" || current === null) return;
    if (seen.has(current)) {
      throw kvError("InvalidArgument", `${what} is not JSON-serializable: ${path} is a cycle (an object that contains itself)`, operation, key);
    }
    seen.add(current);
    if (Array.isArray(current)) current.forEach((item, index) => check(item, `${path}[${index}]`));
    else for (const [name, item] of Object.entries(current)) check(item, `${path}.${name}`);
    seen.delete(current);
  };
  check(value, "value");
  return JSON.stringify(value);
}

function problemOf(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value) ? undefined : `is ${String(value)} (JSON has no such number)`;
    case "undefined":
      return "is undefined";
    case "function":
      return "is a function";
    case "symbol":
      return "is a symbol";
    case "bigint":
      return "is a bigint (convert it to a string)";
    default:
      break;
  }
  if (value === null || Array.isArray(value)) return undefined;
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    if (Object.getOwnPropertySymbols(value as object).length > 0) return "has symbol keys";
    return undefined;
  }
  const name = (value as { constructor?: { name?: string } }).constructor?.name ?? "object";
  return `is a ${name}, not a plain object (convert it first, such as a Date to toISOString())`;
}
