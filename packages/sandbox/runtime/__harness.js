// The describe/it/expect harness generated unit tests import (`import { describe, it, expect } from
// "./__harness.js"`), run inside the sandbox. Cases are registered when the test modules are imported
// and run one by one by __aidevos_unit_tests.js, which gives each a fresh budget.
const cases = [];
const prefix = [];
export const __aidevos_cases = cases;

export function describe(name, body) {
  prefix.push(String(name));
  try {
    body();
  } finally {
    prefix.pop();
  }
}

export function it(name, body) {
  cases.push({ name: [...prefix, String(name)].join(" > "), body });
}
export const test = it;

function show(value) {
  try {
    return typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

function equal(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && equal(a[k], b[k]));
}

function matchers(actual, negated) {
  const check = (pass, message) => {
    if (pass === negated) throw new Error((negated ? "not: " : "") + message);
  };
  return {
    toBe: (expected) => check(Object.is(actual, expected), `expected ${show(actual)} to be ${show(expected)}`),
    toEqual: (expected) => check(equal(actual, expected), `expected ${show(actual)} to equal ${show(expected)}`),
    toBeTruthy: () => check(Boolean(actual), `expected ${show(actual)} to be truthy`),
    toBeFalsy: () => check(!actual, `expected ${show(actual)} to be falsy`),
    toBeNull: () => check(actual === null, `expected ${show(actual)} to be null`),
    toBeUndefined: () => check(actual === undefined, `expected ${show(actual)} to be undefined`),
    toBeDefined: () => check(actual !== undefined, "expected a defined value"),
    toContain: (item) =>
      check(
        typeof actual === "string"
          ? actual.includes(item)
          : Array.isArray(actual) && actual.some((x) => equal(x, item)),
        `expected ${show(actual)} to contain ${show(item)}`,
      ),
    toMatch: (pattern) =>
      check(
        typeof actual === "string" && new RegExp(pattern).test(actual),
        `expected ${show(actual)} to match ${String(pattern)}`,
      ),
    toThrow: (expected) => {
      let threw = false;
      let error;
      try {
        actual();
      } catch (e) {
        threw = true;
        error = e;
      }
      const text = error && error.message !== undefined ? String(error.message) : String(error);
      const fits =
        threw &&
        (expected === undefined ||
          (expected instanceof RegExp ? expected.test(text) : text.includes(String(expected))));
      check(
        fits,
        "expected the function to throw" +
          (expected === undefined ? "" : ` ${String(expected)}`) +
          (threw ? `, it threw ${show(text)}` : ""),
      );
    },
    toBeGreaterThan: (n) => check(actual > n, `expected ${show(actual)} to be greater than ${show(n)}`),
    toBeLessThan: (n) => check(actual < n, `expected ${show(actual)} to be less than ${show(n)}`),
  };
}

export function expect(actual) {
  return { ...matchers(actual, false), not: matchers(actual, true) };
}
