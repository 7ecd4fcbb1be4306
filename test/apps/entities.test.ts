// Proves the AppSpec v2 entity contract of generated apps: refs (existence, cascade, restrict), composite
// unique keys, sorted lists whose cursors stay correct under any sort, range filters, atomic increments,
// and the indexes that lists sort and filter by.

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { AppSpec, type AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
// The runtime's own list SQL, imported as code (compile.ts ships the same file to every app as text).
// @ts-expect-error the runtime is JavaScript, type-checked by its own tsconfig
import { listStatement, tableStatements, wantedIndexes } from "../../packages/compiler/runtime/query.js";
import { errorPaths } from "../support/api";
import { hostApp } from "../support/app-host";

const shop: AppSpecInput = {
  name: "shop",
  partition: "perKey",
  entities: [
    { name: "cart", plural: "carts", fields: { owner: { type: "string", required: true } } },
    {
      name: "item",
      plural: "items",
      fields: {
        cartId: { type: "ref", entity: "cart", required: true, onDelete: "cascade" },
        sku: { type: "string", required: true, pattern: "^[A-Z0-9-]{3,20}$" },
        qty: { type: "integer", min: 0, max: 10, default: 1 },
        price: { type: "number", min: 0, required: true },
        due: { type: "datetime" },
      },
      unique: [["cartId", "sku"]],
      sortable: ["price", "qty", "due"],
    },
    {
      name: "note",
      plural: "notes",
      fields: { itemId: { type: "ref", entity: "item" }, text: { type: "string" } },
    },
  ],
};

describe("refs", () => {
  it("must name a live record of their entity, checked on create and on patch", async () => {
    const app = await hostApp(shop);
    const missing = await app.send("POST", "/items", { cartId: "nope", sku: "ABC", price: 1 });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe("validation_failed");
    expect(errorPaths(missing.body)).toEqual(["cartId"]);
    const cart = (await app.send("POST", "/carts", { owner: "ann" })).body;
    const item = await app.send("POST", "/items", { cartId: cart.id, sku: "ABC", price: 1 });
    expect(item.status).toBe(201);
    const moved = await app.send("PATCH", `/items/${item.body.id}`, { cartId: "elsewhere" });
    expect(moved.status).toBe(400);
    expect(errorPaths(moved.body)).toEqual(["cartId"]);
    // An optional ref may be left empty.
    expect((await app.send("POST", "/notes", { text: "loose" })).status).toBe(201);
  });

  it("cascade deletes children, restrict answers 409 while children exist", async () => {
    const app = await hostApp(shop);
    const cart = (await app.send("POST", "/carts", { owner: "ann" })).body;
    const item = (await app.send("POST", "/items", { cartId: cart.id, sku: "ABC", price: 1 })).body;
    const note = (await app.send("POST", "/notes", { itemId: item.id, text: "fragile" })).body;
    // note → item is restrict (the default): deleting the cart would cascade into the item, which a note holds.
    const blocked = await app.send("DELETE", `/carts/${cart.id}`);
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.code).toBe("conflict");
    expect((await app.send("GET", `/items/${item.id}`)).status).toBe(200);
    expect((await app.send("DELETE", `/items/${item.id}`)).status).toBe(409);
    expect((await app.send("DELETE", `/notes/${note.id}`)).status).toBe(204);
    expect((await app.send("DELETE", `/carts/${cart.id}`)).status).toBe(204);
    expect((await app.send("GET", `/items/${item.id}`)).status).toBe(404);
    expect((await app.send("GET", "/items")).body.items).toEqual([]);
  });
});

describe("composite unique keys", () => {
  it("conflict only when every field of the key repeats", async () => {
    const app = await hostApp(shop);
    const a = (await app.send("POST", "/carts", { owner: "ann" })).body;
    const b = (await app.send("POST", "/carts", { owner: "bob" })).body;
    expect((await app.send("POST", "/items", { cartId: a.id, sku: "ABC", price: 1 })).status).toBe(201);
    expect((await app.send("POST", "/items", { cartId: b.id, sku: "ABC", price: 1 })).status).toBe(201);
    expect((await app.send("POST", "/items", { cartId: a.id, sku: "XYZ", price: 1 })).status).toBe(201);
    const again = await app.send("POST", "/items", { cartId: a.id, sku: "ABC", price: 2 });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("conflict");
    expect(errorPaths(again.body)).toEqual(["cartId", "sku"]);
  });
});

describe("sorted and filtered lists", () => {
  async function stocked() {
    const app = await hostApp(shop);
    const cart = (await app.send("POST", "/carts", { owner: "ann" })).body;
    const rows: [string, number, number, string | undefined][] = [
      ["A-1", 5, 3, "2026-01-02T00:00:00Z"],
      ["A-2", 2, 1, "2026-01-01T23:00:00-02:00"], // 2026-01-02T01:00Z
      ["A-3", 5, 2, undefined],
      ["A-4", 9, 3, "2026-01-01T00:00:00.500Z"],
      ["A-5", 2, 7, "2026-01-03T00:00:00Z"],
      ["A-6", 5, 3, "2026-01-02t00:00:00+0000"],
    ];
    for (const [sku, price, qty, due] of rows)
      expect((await app.send("POST", "/items", { cartId: cart.id, sku, price, qty, due })).status).toBe(201);
    return app;
  }
  const skus = (body: any) => body.items.map((i: { sku: string }) => i.sku);

  async function walk(app: Awaited<ReturnType<typeof hostApp>>, query: string, limit: number) {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: any = await app.send(
        "GET",
        `/items?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(res.status).toBe(200);
      seen.push(...skus(res.body));
      cursor = res.body.nextCursor;
    } while (cursor);
    return seen;
  }

  it("sort by several fields, descending with -, ties oldest first, the same across every page size", async () => {
    const app = await stocked();
    const full = ["A-4", "A-1", "A-6", "A-3", "A-5", "A-2"];
    expect(skus((await app.send("GET", "/items?sort=-price,-qty")).body)).toEqual(full);
    for (const limit of [1, 2, 4]) expect(await walk(app, "sort=-price,-qty", limit)).toEqual(full);
    expect(await walk(app, "sort=price", 1)).toEqual(["A-2", "A-5", "A-1", "A-3", "A-6", "A-4"]);
    // Datetimes sort as instants whatever their offset; a record without one sorts first.
    expect(await walk(app, "sort=due", 2)).toEqual(["A-3", "A-4", "A-1", "A-6", "A-2", "A-5"]);
    expect(await walk(app, "sort=-due", 2)).toEqual(["A-5", "A-2", "A-1", "A-6", "A-4", "A-3"]);
  });

  it("range filters on integer, number and datetime fields, with sort and cursors", async () => {
    const app = await stocked();
    expect(skus((await app.send("GET", "/items?price[gte]=2&price[lt]=9&sort=-price")).body)).toEqual([
      "A-1",
      "A-3",
      "A-6",
      "A-2",
      "A-5",
    ]);
    expect(await walk(app, "qty[gt]=1&qty[lte]=3&sort=qty", 1)).toEqual(["A-3", "A-1", "A-4", "A-6"]);
    const due = await app.send("GET", `/items?due[gte]=${encodeURIComponent("2026-01-02T00:30:00Z")}`);
    expect(skus(due.body)).toEqual(["A-2", "A-5"]);
    expect(skus((await app.send("GET", "/items?price=5&qty[lt]=3")).body)).toEqual(["A-3"]);
  });

  it("rejects unknown sorts, ranges on other types, bad bounds and cursors from another sort", async () => {
    const app = await stocked();
    const bad: [string, string][] = [
      ["sort=sku", "sort"],
      ["sort=-nope", "sort"],
      ["sort=price,price", "sort"],
      ["sort=", "sort"],
      ["sku[gt]=A", "sku[gt]"],
      ["price[ne]=1", "price[ne]"],
      ["price[gt]=cheap", "price[gt]"],
      ["due[lt]=yesterday", "due[lt]"],
      ["nope[gt]=1", "nope[gt]"],
    ];
    for (const [query, path] of bad) {
      const res = await app.send("GET", `/items?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      expect(errorPaths(res.body), query).toContain(path);
    }
    const byPrice = (await app.send("GET", "/items?sort=price&limit=1")).body.nextCursor;
    const plain = (await app.send("GET", "/items?limit=1")).body.nextCursor;
    for (const query of [
      `sort=-price&cursor=${byPrice}`,
      `sort=qty&cursor=${byPrice}`,
      `cursor=${byPrice}`,
      `sort=price&cursor=${plain}`,
    ]) {
      const res = await app.send("GET", `/items?${query}`);
      expect(res.status, query).toBe(400);
      expect(errorPaths(res.body)).toEqual(["cursor"]);
    }
  });
});

describe("increment", () => {
  it("adds atomically, refuses to break min or max with 409 and no change, validates field and by", async () => {
    const app = await hostApp(shop);
    const cart = (await app.send("POST", "/carts", { owner: "ann" })).body;
    const item = (await app.send("POST", "/items", { cartId: cart.id, sku: "ABC", price: 1.5, qty: 3 })).body;
    const up = await app.send("POST", `/items/${item.id}/increment`, { field: "qty", by: 4 });
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ id: item.id, qty: 7, sku: "ABC" });
    const over = await app.send("POST", `/items/${item.id}/increment`, { field: "qty", by: 4 });
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe("conflict");
    const under = await app.send("POST", `/items/${item.id}/increment`, { field: "qty", by: -8 });
    expect(under.status).toBe(409);
    expect((await app.send("GET", `/items/${item.id}`)).body.qty).toBe(7);
    expect((await app.send("POST", `/items/${item.id}/increment`, { field: "price", by: 0.25 })).body.price).toBe(1.75);
    const cases: [unknown, string][] = [
      [{ field: "sku", by: 1 }, "field"],
      [{ field: "nope", by: 1 }, "field"],
      [{ field: "qty", by: "1" }, "by"],
      [{ field: "qty", by: 1.5 }, "by"],
      [{ field: "qty" }, "by"],
      [{ field: "qty", by: 1, extra: true }, "extra"],
      [[1], ""],
    ];
    for (const [body, path] of cases) {
      const res = await app.send("POST", `/items/${item.id}/increment`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      expect(errorPaths(res.body)).toContain(path);
    }
    expect((await app.send("POST", "/items/nope/increment", { field: "qty", by: 1 })).status).toBe(404);
    expect((await app.send("GET", `/items/${item.id}/increment`)).status).toBe(405);
  });

  it("is an update: gone when the spec leaves update out", async () => {
    const app = await hostApp({
      name: "ro",
      entities: [{ name: "c", plural: "cs", fields: { n: { type: "integer" } }, operations: ["create", "get"] }],
    });
    const c = (await app.send("POST", "/cs", { n: 1 })).body;
    expect((await app.send("POST", `/cs/${c.id}/increment`, { field: "n", by: 1 })).status).toBe(404);
  });

  it("keeps concurrent increments: none is lost", async () => {
    const app = await hostApp(shop);
    const cart = (await app.send("POST", "/carts", { owner: "ann" })).body;
    const item = (await app.send("POST", "/items", { cartId: cart.id, sku: "ABC", price: 0, qty: 0 })).body;
    const results = await Promise.all(
      Array.from({ length: 15 }, () => app.send("POST", `/items/${item.id}/increment`, { field: "qty", by: 1 })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(10);
    expect(results.filter((r) => r.status === 409)).toHaveLength(5);
    expect((await app.send("GET", `/items/${item.id}`)).body.qty).toBe(10);
  });
});

describe("indexes", () => {
  it("lists sort and range-filter through expression indexes, not a scan and sort of the table", async () => {
    const spec = AppSpec.parse(shop);
    const item = spec.entities[1]!;
    const host = env.APP_HOST.get(env.APP_HOST.idFromName(`indexes:${crypto.randomUUID()}`));
    const plans = await runInDurableObject(host, (_instance, state) => {
      const sql = state.storage.sql;
      for (const statement of tableStatements(item)) sql.exec(statement);
      for (const [, statement] of wantedIndexes(item)) sql.exec(statement);
      const plan = (query: object) => {
        const { sql: text, args } = listStatement(
          item,
          { limit: 50, after: 0, cursor: null, filters: [], sort: [], ...query },
          0,
        );
        return sql
          .exec(`EXPLAIN QUERY PLAN ${text}`, ...args)
          .toArray()
          .map((r) => String(r.detail))
          .join("; ");
      };
      return [
        plan({ sort: [{ name: "price", desc: true }] }),
        plan({ sort: [{ name: "qty", desc: false }], filters: [{ name: "qty", op: "gte", value: 2 }] }),
        plan({ sort: [{ name: "due", desc: false }], cursor: { keys: [1767225600], seq: 3 } }),
        plan({ filters: [{ name: "cartId", op: "eq", value: "c" }] }),
      ];
    });
    expect(plans[0]).toMatch(/USING INDEX e_item_x_price_/);
    expect(plans[1]).toMatch(/USING INDEX e_item_x_qty_/);
    expect(plans[2]).toMatch(/USING INDEX e_item_x_due_/);
    expect(plans[3]).toMatch(/USING INDEX e_item_x_cartId_/);
    for (const plan of plans.slice(0, 3)) expect(plan).not.toMatch(/USE TEMP B-TREE FOR ORDER BY/);
  });
});
