/**
 * model.test.js of every generated app: unit tests of the contract's rules for this spec, driven by
 * SPEC and by sample values the compiler worked out for each field (SAMPLES, from samples.js).
 */
import { describe, expect, it } from "./__harness.js";
import {
  checkValue,
  currentFields,
  decodeCursor,
  decodeSortCursor,
  encodeCursor,
  encodeSortCursor,
  operationsOf,
  parseFieldIncrement,
  parseFilterValue,
  parseIncrement,
  parseListQuery,
  SPEC,
  validateCreate,
  validatePatch,
} from "./model.js";
import { SAMPLES } from "./samples.js";

function rejects(body, entity, path, validate = validateCreate) {
  try {
    validate(entity, body);
  } catch (err) {
    expect(err.code).toBe("validation_failed");
    expect(err.details.map((d) => d.path)).toContain(path);
    return;
  }
  throw new Error(`expected validation_failed for ${path}`);
}

for (const entity of SPEC.entities) {
  const samples = SAMPLES[entity.name];
  describe(entity.name, () => {
    if (samples.valid) {
      it("accepts a valid record and applies defaults", () => {
        const values = validateCreate(entity, samples.valid);
        for (const [name, field] of Object.entries(entity.fields)) {
          if (!(name in samples.valid)) expect(values[name]).toEqual(field.default ?? null);
        }
      });
    }
    it("rejects bodies that are not objects", () => {
      rejects([], entity, "");
      rejects("text", entity, "");
    });
    it("rejects unknown fields", () => rejects({ __unknown: 1 }, entity, "__unknown"));
    it("rejects unknown fields in a patch", () => rejects({ createdAt: "x" }, entity, "createdAt", validatePatch));
    for (const [name, field] of Object.entries(entity.fields)) {
      const s = samples.fields[name];
      // Required with a default (SQL's NOT NULL DEFAULT): omitting it takes the default, only null is refused.
      if (field.required && field.default === undefined) it(`${name} is required`, () => rejects({}, entity, name));
      if (field.required && field.default !== undefined)
        it(`${name} is required: null is refused, omitting it takes its default`, () => {
          rejects({ [name]: null }, entity, name);
          if (!samples.valid) return;
          const { [name]: _omitted, ...rest } = samples.valid;
          expect(validateCreate(entity, rest)[name]).toEqual(field.default);
        });
      if (field.required)
        it(`${name} cannot be cleared by a patch`, () => rejects({ [name]: null }, entity, name, validatePatch));
      // A json field has no wrong type (every JSON value is one): its sample has none.
      if (s.wrongType !== undefined)
        it(`${name} rejects the wrong type`, () => rejects({ [name]: s.wrongType }, entity, name));
      for (const [label, value] of s.invalid)
        it(`${name} rejects ${label}`, () => rejects({ [name]: value }, entity, name));
      if (s.valid !== undefined)
        it(`${name} accepts a valid value`, () => expect(checkValue(field, s.valid)).toBeNull());
      if (field.default !== undefined)
        it(`${name} reads as its default on data that predates it`, () =>
          expect(currentFields(entity, {})[name]).toEqual(field.default));
      if (s.valid !== undefined && !["json", "array", "file"].includes(field.type)) {
        it(`${name} filters by its own type`, () => {
          const raw = typeof s.valid === "string" ? s.valid : String(s.valid);
          expect(parseFilterValue(field, raw)).toEqual(s.valid);
        });
      }
    }
    if (operationsOf(entity).includes("list")) {
      it("list: limit must be 1..100", () => {
        for (const limit of ["0", "101", "-1", "abc", "1.5"])
          rejects(new URLSearchParams({ limit }), entity, "limit", (e, p) => parseListQuery(e, p));
        expect(parseListQuery(entity, new URLSearchParams({ limit: "100" })).limit).toBe(100);
        expect(parseListQuery(entity, new URLSearchParams()).limit).toBe(50);
      });
      it("list: unknown parameters and bad cursors are rejected", () => {
        rejects(new URLSearchParams({ nope: "1" }), entity, "nope", (e, p) => parseListQuery(e, p));
        rejects(new URLSearchParams({ cursor: "bad!" }), entity, "cursor", (e, p) => parseListQuery(e, p));
      });
      it("list: sorts only by sortable fields, each once", () => {
        const list = (query) => parseListQuery(entity, new URLSearchParams(query));
        for (const name of entity.sortable ?? []) {
          expect(list({ sort: `-${name}` }).sort).toEqual([{ name, desc: true }]);
          rejects(new URLSearchParams({ sort: `${name},${name}` }), entity, "sort", (e, p) => parseListQuery(e, p));
        }
        rejects(new URLSearchParams({ sort: "__unknown" }), entity, "sort", (e, p) => parseListQuery(e, p));
        rejects(new URLSearchParams({ sort: "" }), entity, "sort", (e, p) => parseListQuery(e, p));
      });
      for (const [name, field] of Object.entries(entity.fields)) {
        const key = `${name}[gte]`;
        const s = SAMPLES[entity.name].fields[name];
        if (["integer", "number", "datetime"].includes(field.type) && s.valid !== undefined) {
          it(`list: ${key} filters by range`, () => {
            const { filters } = parseListQuery(entity, new URLSearchParams({ [key]: String(s.valid) }));
            expect(filters.length).toBe(1);
            expect(filters[0].op).toBe("gte");
          });
        } else if (!["integer", "number", "datetime"].includes(field.type)) {
          it(`list: ${key} is refused (no ranges on ${field.type})`, () =>
            rejects(new URLSearchParams({ [key]: "1" }), entity, key, (e, p) => parseListQuery(e, p)));
        }
      }
    }
    const numbers = Object.entries(entity.fields).filter(([, f]) => f.type === "integer" || f.type === "number");
    const others = Object.entries(entity.fields).filter(([, f]) => f.type !== "integer" && f.type !== "number");
    if (operationsOf(entity).includes("update")) {
      it("increment: only number fields, by a number", () => {
        for (const [name] of numbers) expect(parseFieldIncrement(entity, { field: name, by: 2 }).by).toBe(2);
        for (const [name] of others) rejects({ field: name, by: 1 }, entity, "field", parseFieldIncrement);
        if (numbers[0]) rejects({ field: numbers[0][0], by: "1" }, entity, "by", parseFieldIncrement);
      });
    }
  });
}

describe("cursors", () => {
  it("round-trip", () => {
    for (const seq of [0, 1, 42, 123456789]) expect(decodeCursor(encodeCursor(seq))).toBe(seq);
    expect(decodeCursor("not a cursor")).toBeNull();
  });
  it("of a sort carry its key values and seq, and belong to that sort only", () => {
    const cursor = encodeSortCursor("-price,qty", [9.5, null], 12);
    expect(decodeSortCursor(cursor, "-price,qty", 2)).toEqual({ keys: [9.5, null], seq: 12 });
    expect(decodeSortCursor(cursor, "price,qty", 2)).toBeNull();
    expect(decodeSortCursor(encodeCursor(12), "-price,qty", 2)).toBeNull();
    expect(decodeCursor(cursor)).toBeNull();
  });
});

describe("counters", () => {
  it("increment by 1 without a body, by an integer with one", () => {
    expect(parseIncrement(undefined)).toBe(1);
    expect(parseIncrement({ by: 5 })).toBe(5);
    expect(() => parseIncrement({ by: "x" })).toThrow("invalid input");
    expect(() => parseIncrement({ by: 1.5 })).toThrow("invalid input");
    expect(() => parseIncrement({ other: 1 })).toThrow("invalid input");
  });
});
