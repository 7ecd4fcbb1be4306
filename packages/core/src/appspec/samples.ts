import { compileSafePattern, patternProblem } from "./safe-pattern";
import type { Entity, Field } from "./schema";

const STRING_CANDIDATES = [
  "sample",
  "ABC",
  "abc",
  "a1",
  "Sample value",
  "x",
  "2024-01-01",
  "test@example.com",
  "12345",
];

/** The linear-time matcher of a field's pattern; a pattern that is not safe (a spec stored before the rule) matches nothing. */
function matcher(pattern: string): { test(s: string): boolean } {
  return patternProblem(pattern) === null ? compileSafePattern(pattern) : { test: () => false };
}

/** A value that satisfies the field's constraints, or undefined when none can be made up. */
export function validValue(field: Field, variant = 0): unknown {
  if (field.default !== undefined && variant === 0) return field.default;
  switch (field.type) {
    case "string": {
      const min = field.minLength ?? 0;
      const max = field.maxLength ?? 1000;
      const fits = (s: string) =>
        s.length >= min && s.length <= max && (field.pattern === undefined || matcher(field.pattern).test(s));
      const padded = (s: string) => (s.length < min ? s + "x".repeat(min - s.length) : s.slice(0, Math.max(max, 0)));
      const candidates = STRING_CANDIDATES.map((s) => padded(variant ? `${s}${variant}` : s));
      return [...candidates, ...STRING_CANDIDATES.map(padded)].find(fits);
    }
    case "integer": {
      const base = field.min ?? (field.max !== undefined ? Math.min(field.max, 1) : 1);
      const v = base + variant;
      return field.max !== undefined && v > field.max ? base : v;
    }
    case "number": {
      const base = field.min ?? (field.max !== undefined ? Math.min(field.max, 1.5) : 1.5);
      const v = base + variant;
      return field.max !== undefined && v > field.max ? base : v;
    }
    case "boolean":
      return variant % 2 === 1;
    case "enum":
      return field.values[variant % field.values.length];
    case "datetime":
      return new Date(Date.UTC(2025, 0, 1 + variant)).toISOString();
    case "ref":
      // A ref is valid only when its record exists: nothing can be made up without storage.
      return undefined;
    case "json":
      return { sample: variant };
    case "array": {
      const item = validValue(field.items as Field, variant);
      return item === undefined ? [] : [item];
    }
    case "file":
      // Files come by their own route; a JSON body may only clear one.
      return undefined;
  }
}

/** A value of the wrong JSON type for the field. */
export function wrongTypeValue(field: Field): unknown {
  // Every JSON value is a json field's value: it has no wrong type.
  if (field.type === "json") return undefined;
  if (field.type === "array") return "not-an-array";
  if (field.type === "file") return "not-a-file";
  return field.type === "string" || field.type === "enum" || field.type === "datetime" || field.type === "ref"
    ? 12345
    : "not-a-value";
}

/** A record body with every required field (and distinct unique values per variant), or null if one cannot be made. */
export function validRecord(entity: Entity, variant = 0): Record<string, unknown> | null {
  const body: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(entity.fields)) {
    const isUnique = entity.unique?.some((u) => (Array.isArray(u) ? u.includes(name) : u === name)) ?? false;
    if (!field.required && !isUnique) continue;
    const value = validValue(field, isUnique ? variant + 1 : variant);
    if (value === undefined) {
      if (field.required) return null;
      continue;
    }
    body[name] = value;
  }
  return body;
}

/** Values a field must reject, each with a label, beyond a wrong type. */
export function invalidValues(field: Field): [label: string, value: unknown][] {
  const out: [string, unknown][] = [];
  switch (field.type) {
    case "string":
      if (field.minLength !== undefined && field.minLength > 0)
        out.push(["a too short string", "x".repeat(field.minLength - 1)]);
      if (field.maxLength !== undefined && field.maxLength < 100_000)
        out.push(["a too long string", "x".repeat(field.maxLength + 1)]);
      if (field.pattern !== undefined) {
        const re = matcher(field.pattern);
        const miss = ["", "!", "~~~", "x", "0", " "].find((s) => !re.test(s));
        if (miss !== undefined) out.push(["a string off the pattern", miss]);
      }
      break;
    case "integer":
      out.push(["a fraction", 1.5]);
      if (field.min !== undefined) out.push(["a value below min", field.min - 1]);
      if (field.max !== undefined) out.push(["a value above max", field.max + 1]);
      break;
    case "number":
      if (field.min !== undefined) out.push(["a value below min", field.min - 0.5]);
      if (field.max !== undefined) out.push(["a value above max", field.max + 0.5]);
      break;
    case "enum":
      out.push(["a value not in the list", "not-one-of-the-values"]);
      break;
    case "datetime":
      out.push(["a word", "yesterday"], ["an impossible date", "2024-13-45T99:00:00Z"]);
      break;
    case "json":
      out.push(["a value larger than maxBytes", "x".repeat(field.maxBytes ?? 65_536)]);
      break;
    case "array": {
      const item = validValue(field.items as Field);
      const max = field.maxItems ?? 100;
      if (item !== undefined) out.push(["more than maxItems items", Array.from({ length: max + 1 }, () => item)]);
      out.push(["an item of the wrong type", [wrongTypeValue(field.items as Field)]]);
      for (const [label, value] of invalidValues(field.items as Field)) out.push([`an item that is ${label}`, [value]]);
      break;
    }
    case "file":
      out.push(["file metadata in a JSON body", { size: 1, contentType: "text/plain", sha256: "00" }]);
      break;
  }
  return out;
}
