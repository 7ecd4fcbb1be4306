// Proves the contract diff (packages/core contract/diff.ts) names every kind of change between two
// versions of a spec and marks exactly the breaking ones: removed routes and fields, new required
// fields without a default, tightened constraints and changed types break; additions (a required
// field with a default included), loosened constraints and new defaults do not.
import { AppSpec, type AppSpecInput, type ContractChange, contractDiff } from "@aidevos/core";
import { describe, expect, it } from "vitest";

const base = (fields: Record<string, unknown>, extra: Record<string, unknown> = {}): AppSpecInput => ({
  name: "shop",
  entities: [{ name: "item", plural: "items", fields: fields as never, ...extra }],
});
const title = { type: "string", required: true, maxLength: 100 };

type Row = [what: string, before: AppSpecInput, after: AppSpecInput, expected: Partial<ContractChange>[]];

const TABLE: Row[] = [
  ["nothing changes", base({ title }), base({ title }), []],
  [
    "a removed field",
    base({ title, note: { type: "string" } }),
    base({ title }),
    [{ change: "removed", subject: "field", at: "items.note", breaking: true }],
  ],
  [
    "an optional field added",
    base({ title }),
    base({ title, note: { type: "string" } }),
    [{ change: "added", subject: "field", at: "items.note", breaking: false }],
  ],
  [
    "a required field added",
    base({ title }),
    base({ title, sku: { type: "string", required: true } }),
    [{ change: "added", subject: "field", at: "items.sku", breaking: true }],
  ],
  [
    "a required field with a default added (SQL's NOT NULL DEFAULT: not breaking)",
    base({ title }),
    base({ title, severity: { type: "enum", values: ["low", "normal"], required: true, default: "normal" } }),
    [{ change: "added", subject: "field", at: "items.severity", breaking: false }],
  ],
  [
    "a field made required with a default (not breaking)",
    base({ title, note: { type: "string", default: "-" } }),
    base({ title, note: { type: "string", required: true, default: "-" } }),
    [{ change: "tightened", subject: "required", at: "items.note", breaking: false }],
  ],
  [
    "a field made required",
    base({ title, note: { type: "string" } }),
    base({ title, note: { type: "string", required: true } }),
    [{ change: "tightened", subject: "required", at: "items.note", breaking: true }],
  ],
  [
    "a field made optional",
    base({ title }),
    base({ title: { ...title, required: false } }),
    [{ change: "loosened", subject: "required", breaking: false }],
  ],
  [
    "maxLength lowered",
    base({ title }),
    base({ title: { ...title, maxLength: 50 } }),
    [{ change: "tightened", subject: "constraint", at: "items.title.maxLength", breaking: true }],
  ],
  [
    "maxLength raised",
    base({ title }),
    base({ title: { ...title, maxLength: 500 } }),
    [{ change: "loosened", subject: "constraint", at: "items.title.maxLength", breaking: false }],
  ],
  [
    "a min added",
    base({ title, qty: { type: "integer" } }),
    base({ title, qty: { type: "integer", min: 0 } }),
    [{ change: "tightened", subject: "constraint", at: "items.qty.min", breaking: true }],
  ],
  [
    "a max removed",
    base({ title, qty: { type: "integer", max: 9 } }),
    base({ title, qty: { type: "integer" } }),
    [{ change: "loosened", subject: "constraint", at: "items.qty.max", breaking: false }],
  ],
  [
    "a pattern added",
    base({ title }),
    base({ title: { ...title, pattern: "^[a-z]+$" } }),
    [{ change: "tightened", subject: "constraint", at: "items.title.pattern", breaking: true }],
  ],
  [
    "a changed type",
    base({ title, qty: { type: "integer" } }),
    base({ title, qty: { type: "number" } }),
    [{ change: "changed", subject: "type", at: "items.qty", breaking: true }],
  ],
  [
    "an enum value removed and one added",
    base({ title, status: { type: "enum", values: ["open", "closed"] } }),
    base({ title, status: { type: "enum", values: ["open", "done"] } }),
    [
      { change: "tightened", subject: "constraint", at: "items.status.values", breaking: true },
      { change: "loosened", subject: "constraint", at: "items.status.values", breaking: false },
    ],
  ],
  [
    "a default changed",
    base({ title, qty: { type: "integer", default: 1 } }),
    base({ title, qty: { type: "integer", default: 2 } }),
    [{ change: "changed", subject: "default", at: "items.qty.default", breaking: false }],
  ],
  [
    "a unique key added",
    base({ title }),
    base({ title }, { unique: ["title"] }),
    [{ change: "tightened", subject: "unique", breaking: true }],
  ],
  [
    "an operation removed removes its route",
    base({ title }),
    base({ title }, { operations: ["create", "get", "list", "update"] }),
    [{ change: "removed", subject: "route", at: "DELETE /items/{id}", breaking: true }],
  ],
  [
    "an action added, and a sortable field",
    base({ title }),
    {
      ...base({ title }, { sortable: ["title"] }),
      actions: [{ name: "stats", method: "GET", path: "/stats", code: "export default async () => ({})" }],
    },
    [
      { change: "added", subject: "route", at: "GET /stats", breaking: false },
      { change: "added", subject: "sort", breaking: false },
    ],
  ],
  [
    "an action's parameter renamed is the same route",
    { ...base({ title }), actions: [{ name: "go", method: "GET", path: "/go/:slug", code: "export default 1" }] },
    { ...base({ title }), actions: [{ name: "go", method: "GET", path: "/go/:name", code: "export default 1" }] },
    [],
  ],
  [
    "the partition changed",
    base({ title }),
    { ...base({ title }), partition: "perKey" },
    [{ change: "changed", subject: "app", at: "partition", breaking: true }],
  ],
  [
    "an entity removed removes its routes and nothing else",
    base({ title }),
    { name: "shop", entities: [] },
    [
      { change: "removed", subject: "route", at: "GET /items" },
      { change: "removed", subject: "route", at: "POST /items" },
      { change: "removed", subject: "route", at: "GET /items/{id}" },
      { change: "removed", subject: "route", at: "PATCH /items/{id}" },
      { change: "removed", subject: "route", at: "DELETE /items/{id}" },
    ],
  ],
];

describe("contractDiff", () => {
  for (const [what, before, after, expected] of TABLE) {
    it(what, () => {
      const changes = contractDiff(AppSpec.parse(before), AppSpec.parse(after));
      expect(changes).toEqual(expected.map((e) => expect.objectContaining(e)));
      for (const change of changes) expect(change.message.startsWith(`${change.at}: `)).toBe(true);
    });
  }

  it("reads access defensively: public to key is breaking, key to public is not", () => {
    const open = AppSpec.parse(base({ title }));
    const locked = { ...open, access: "key" as const };
    expect(contractDiff(open, locked)).toEqual([
      expect.objectContaining({ change: "tightened", at: "access", breaking: true }),
    ]);
    expect(contractDiff(locked, open)).toEqual([expect.objectContaining({ change: "loosened", breaking: false })]);
  });
});
