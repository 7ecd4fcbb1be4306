// Proves AppSpec v3 "Data" over HTTP and ctx.entities: json and array fields with their limits and
// errors, the list filters `in` (split before decoding), `prefix` (literal, no wildcards) and `has`,
// createdAt/updatedAt sorts and ranges, and that they combine with sorts, ranges and cursors through
// indexes.

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { AppSpec, type AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
// @ts-expect-error the runtime is JavaScript, type-checked by its own tsconfig
import { listStatement, tableStatements, wantedIndexes } from "../../packages/compiler/runtime/query.js";
// @ts-expect-error the runtime is JavaScript, type-checked by its own tsconfig
import { migrateSearch } from "../../packages/compiler/runtime/search.js";
import { errorPaths } from "../support/api";
import { hostApp } from "../support/app-host";

const catalog: AppSpecInput = {
  name: "catalog",
  entities: [
    {
      name: "product",
      plural: "products",
      fields: {
        name: { type: "string", required: true, maxLength: 100 },
        sku: { type: "string", required: true },
        price: { type: "number", min: 0 },
        size: { type: "enum", values: ["s", "m", "l"] },
        tags: { type: "array", items: { type: "string", maxLength: 5 }, maxItems: 3 },
        scores: { type: "array", items: { type: "integer", min: 0 } },
        attrs: { type: "json", maxBytes: 20 },
        meta: { type: "json" },
      },
      sortable: ["price", "name"],
    },
  ],
  actions: [
    {
      name: "find",
      method: "POST",
      path: "/find",
      code: "export default async (req, ctx) => { const o = await ctx.body(); const { items, nextCursor } = await ctx.entities.products.list(o); return { skus: items.map((p) => p.sku), nextCursor }; }",
    },
  ],
};

async function seeded() {
  const app = await hostApp(catalog);
  const rows = [
    { name: "Desk lamp", sku: "A,1", price: 20, size: "s", tags: ["light", "desk"], attrs: { w: 5 } },
    { name: "Desk%chair", sku: "B-2", price: 120, size: "m", tags: ["desk"] },
    { name: "desk_pad", sku: "C 3", price: 5, size: "l", tags: [] },
    { name: "Dish", sku: "D-4", price: 9, scores: [3, 7] },
  ];
  const ids: string[] = [];
  for (const row of rows) {
    const res = await app.send("POST", "/products", row);
    expect(res.status).toBe(201);
    ids.push(res.body.id);
  }
  return { app, ids };
}

const skus = (res: { body: { items: { sku: string }[] } }) => res.body.items.map((p) => p.sku);

describe("json fields", () => {
  it("take any JSON value up to maxBytes of compact JSON, null means none, PATCH replaces the whole value", async () => {
    const app = await hostApp(catalog);
    // 20 bytes exactly: {"k":"ééééééé"} is 7 + 7×2 bytes = 21, so one é fewer fits.
    const fits = { k: "éééééé" };
    expect(new TextEncoder().encode(JSON.stringify(fits)).length).toBe(20);
    const created = await app.send("POST", "/products", { name: "a", sku: "x", attrs: fits });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.attrs).toEqual(fits);
    expect(created.body.meta).toBeNull();
    const over = await app.send("POST", "/products", { name: "a", sku: "y", attrs: { k: "ééééééé" } });
    expect(over.status).toBe(400);
    expect(errorPaths(over.body)).toEqual(["attrs"]);
    // Whitespace in the body does not count: the compact JSON does.
    const spaced = await app.send("POST", "/products", `{"name":"b","sku":"z","attrs":  {  "k" :  "éééééé"  }}`);
    expect(spaced.status).toBe(201);
    for (const value of [[1, "two", null], "text", 3, true])
      expect((await app.send("PATCH", `/products/${created.body.id}`, { meta: value })).body.meta).toEqual(value);
    const replaced = await app.send("PATCH", `/products/${created.body.id}`, { attrs: { j: 1 } });
    expect(replaced.body.attrs).toEqual({ j: 1 });
    const cleared = await app.send("PATCH", `/products/${created.body.id}`, { attrs: null });
    expect(cleared.body.attrs).toBeNull();
  });

  it("default maxBytes is 65,536", async () => {
    const app = await hostApp(catalog);
    const at = (n: number) => ({ name: "a", sku: `s${n}`, meta: "x".repeat(n - 2) });
    expect((await app.send("POST", "/products", at(65_536))).status).toBe(201);
    expect((await app.send("POST", "/products", at(65_537))).status).toBe(400);
  });

  it("cannot be filtered, ranged or sorted", async () => {
    const app = await hostApp(catalog);
    for (const query of ["attrs=x", "attrs[in]=a", "attrs[gt]=1", "attrs[has]=1", "attrs[prefix]=a"]) {
      const res = await app.send("GET", `/products?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    expect(
      AppSpec.safeParse({ ...catalog, entities: [{ ...(catalog.entities![0] as object), sortable: ["attrs"] }] })
        .success,
    ).toBe(false);
  });
});

describe("array fields", () => {
  it("validate items with their constraints, maxItems, keep order and duplicates", async () => {
    const app = await hostApp(catalog);
    const ok = await app.send("POST", "/products", { name: "a", sku: "x", tags: ["b", "a", "b"] });
    expect(ok.status).toBe(201);
    expect(ok.body.tags).toEqual(["b", "a", "b"]);
    const bad = [
      { tags: ["a", "b", "c", "d"] },
      { tags: ["toolong"] },
      { tags: [3] },
      { tags: [null] },
      { tags: "a" },
      { scores: [-1] },
      { scores: [1.5] },
    ];
    for (const body of bad) {
      const res = await app.send("POST", "/products", { name: "a", sku: "y", ...body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorPaths(res.body)).toEqual(Object.keys(body));
    }
  });

  it("default maxItems is 100", async () => {
    const app = await hostApp(catalog);
    const of = (n: number) => ({ name: "a", sku: `s${n}`, scores: Array.from({ length: n }, (_, i) => i) });
    expect((await app.send("POST", "/products", of(100))).status).toBe(201);
    expect((await app.send("POST", "/products", of(101))).status).toBe(400);
  });

  it("filter only by [has], kept in step with updates and deletes", async () => {
    const { app, ids } = await seeded();
    expect(skus(await app.send("GET", "/products?tags[has]=desk"))).toEqual(["A,1", "B-2"]);
    expect(skus(await app.send("GET", "/products?scores[has]=7"))).toEqual(["D-4"]);
    expect((await app.send("GET", "/products?scores[has]=x")).status).toBe(400);
    expect((await app.send("GET", "/products?tags=desk")).status).toBe(400);
    expect((await app.send("GET", "/products?name[has]=desk")).status).toBe(400);
    await app.send("PATCH", `/products/${ids[0]}`, { tags: ["light"] });
    await app.send("DELETE", `/products/${ids[1]}`);
    expect(skus(await app.send("GET", "/products?tags[has]=desk"))).toEqual([]);
    expect(skus(await app.send("GET", "/products?tags[has]=light"))).toEqual(["A,1"]);
  });
});

describe("[in]", () => {
  it("splits the raw value on commas before percent-decoding", async () => {
    const { app } = await seeded();
    expect(skus(await app.send("GET", "/products?sku[in]=A%2C1,B-2"))).toEqual(["A,1", "B-2"]);
    // An encoded bracket in the key, a + for a space in a value.
    expect(skus(await app.send("GET", "/products?sku%5Bin%5D=C+3,D-4"))).toEqual(["C 3", "D-4"]);
    expect(skus(await app.send("GET", "/products?sku[in]=A,1"))).toEqual([]);
    expect(skus(await app.send("GET", "/products?size[in]=s,l"))).toEqual(["A,1", "C 3"]);
    expect(skus(await app.send("GET", "/products?price[in]=5,9&sort=-price"))).toEqual(["D-4", "C 3"]);
  });

  it("answers 400 for an empty part, an invalid value, more than 50 values or a non-scalar field", async () => {
    const { app } = await seeded();
    const fifty = Array.from({ length: 50 }, (_, i) => `v${i}`).join(",");
    expect((await app.send("GET", `/products?sku[in]=${fifty}`)).status).toBe(200);
    for (const query of [
      `sku[in]=${fifty},x`,
      "sku[in]=a,,b",
      "sku[in]=",
      "sku[in]=a,",
      "size[in]=s,xl",
      "price[in]=1,abc",
      "tags[in]=a",
      "sku[in]=%E0",
    ]) {
      const res = await app.send("GET", `/products?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
  });
});

describe("[prefix]", () => {
  it("matches the text itself: case-sensitive, no LIKE or GLOB wildcards", async () => {
    const { app } = await seeded();
    expect(skus(await app.send("GET", "/products?name[prefix]=Desk"))).toEqual(["A,1", "B-2"]);
    expect(skus(await app.send("GET", "/products?name[prefix]=desk"))).toEqual(["C 3"]);
    expect(skus(await app.send("GET", "/products?name[prefix]=Desk%25"))).toEqual(["B-2"]);
    expect(skus(await app.send("GET", "/products?name[prefix]=desk_"))).toEqual(["C 3"]);
    expect(skus(await app.send("GET", "/products?name[prefix]=D_sk"))).toEqual([]);
    expect(skus(await app.send("GET", "/products?name[prefix]=D*"))).toEqual([]);
    expect(skus(await app.send("GET", "/products?name[prefix]=%25"))).toEqual([]);
    // A long run of wildcards is not a pattern at all (LIKE would fail: "pattern too complex").
    expect((await app.send("GET", `/products?name[prefix]=${"%25_".repeat(30_000)}`)).status).toBe(200);
    expect((await app.send("GET", "/products?price[prefix]=1")).status).toBe(400);
    expect((await app.send("GET", "/products?size[prefix]=s")).status).toBe(400);
  });
});

describe("createdAt and updatedAt", () => {
  it("are always sortable and range-filterable, with cursors", async () => {
    const { app, ids } = await seeded();
    expect(skus(await app.send("GET", "/products?sort=-createdAt"))).toEqual(["D-4", "C 3", "B-2", "A,1"]);
    await new Promise((r) => setTimeout(r, 5));
    const touched = await app.send("PATCH", `/products/${ids[1]}`, { price: 121 });
    expect(skus(await app.send("GET", "/products?sort=-updatedAt&limit=1"))).toEqual(["B-2"]);
    const since = await app.send("GET", `/products?updatedAt[gte]=${encodeURIComponent(touched.body.updatedAt)}`);
    expect(skus(since)).toEqual(["B-2"]);
    const before = await app.send("GET", `/products?createdAt[lt]=${encodeURIComponent(touched.body.createdAt)}`);
    expect(skus(before)).toEqual(["A,1"]);
    const first = await app.send("GET", "/products?sort=createdAt&limit=3");
    const rest = await app.send("GET", `/products?sort=createdAt&limit=3&cursor=${first.body.nextCursor}`);
    expect([...skus(first), ...skus(rest)]).toEqual(["A,1", "B-2", "C 3", "D-4"]);
    for (const query of ["createdAt[gt]=yesterday", "createdAt=2025-01-01T00:00:00Z", "updatedAt[in]=x"])
      expect((await app.send("GET", `/products?${query}`)).status, query).toBe(400);
  });
});

describe("list({ where }) in actions", () => {
  it("takes { in: [...] }, { prefix }, { has } and combines them with sort, ranges and cursors", async () => {
    const { app } = await seeded();
    const find = (body: object) => app.send("POST", "/find", body);
    expect((await find({ where: { sku: { in: ["A,1", "C 3", "D-4"] } } })).body.skus).toEqual(["A,1", "C 3", "D-4"]);
    expect((await find({ where: { name: { prefix: "Desk" } } })).body.skus).toEqual(["A,1", "B-2"]);
    expect((await find({ where: { tags: { has: "desk" } } })).body.skus).toEqual(["A,1", "B-2"]);
    const page = await find({
      where: { sku: { in: ["A,1", "B-2", "C 3", "D-4"] }, price: { gte: 6 } },
      sort: "-price",
      limit: 2,
    });
    expect(page.body.skus).toEqual(["B-2", "A,1"]);
    const next = await find({
      where: { sku: { in: ["A,1", "B-2", "C 3", "D-4"] }, price: { gte: 6 } },
      sort: "-price",
      limit: 2,
      cursor: page.body.nextCursor,
    });
    expect(next.body.skus).toEqual(["D-4"]);
    expect(next.body.nextCursor).toBeNull();
    const bad = await find({ where: { sku: { in: [] } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");
    expect((await find({ where: { sku: { in: "A" } } })).status).toBe(400);
  });
});

describe("indexes", () => {
  it("in, prefix on a sortable field, has and timestamp sorts are served by indexes", async () => {
    const spec = AppSpec.parse(catalog);
    const product = spec.entities[0]!;
    const host = env.APP_HOST.get(env.APP_HOST.idFromName(`data-indexes:${crypto.randomUUID()}`));
    const plans = await runInDurableObject(host, (_instance, state) => {
      const sql = state.storage.sql;
      for (const statement of tableStatements(product)) sql.exec(statement);
      for (const [, statement] of wantedIndexes(product)) sql.exec(statement);
      migrateSearch(sql, product);
      const plan = (query: object) => {
        const { sql: text, args } = listStatement(
          product,
          { limit: 50, after: 0, cursor: null, filters: [], sort: [], q: null, ...query },
          0,
        );
        return sql
          .exec(`EXPLAIN QUERY PLAN ${text}`, ...args)
          .toArray()
          .map((r) => String(r.detail))
          .join("; ");
      };
      return [
        plan({ filters: [{ name: "price", op: "in", value: [1, 2, 3] }] }),
        plan({ filters: [{ name: "name", op: "prefix", value: "De" }] }),
        plan({ filters: [{ name: "tags", op: "has", value: "desk" }] }),
        plan({ sort: [{ name: "createdAt", desc: true }] }),
        plan({ sort: [{ name: "updatedAt", desc: false }], filters: [{ name: "updatedAt", op: "gt", value: "2025" }] }),
      ];
    });
    expect(plans[0]).toMatch(/USING INDEX e_product_x_price_/);
    expect(plans[1]).toMatch(/USING INDEX e_product_x_name_/);
    expect(plans[2]).toMatch(/_has.*PRIMARY KEY|USING (COVERING )?INDEX sqlite_autoindex__has/);
    expect(plans[3]).toMatch(/USING INDEX e_product_x_createdAt_/);
    expect(plans[4]).toMatch(/USING INDEX e_product_x_updatedAt_/);
    for (const plan of plans.slice(3)) expect(plan).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/);
  });
});
