// Proves generated apps honour the HTTP contract of docs/appspec.md: every field type and constraint, every error code, pagination, filters, TTL, counters, rate limits, operations.
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { errorPaths } from "../support/api";
import { hostApp } from "../support/app-host";

const items: AppSpecInput = {
  name: "items",
  entities: [
    {
      name: "item",
      plural: "items",
      fields: {
        title: { type: "string", required: true, minLength: 2, maxLength: 10 },
        code: { type: "string", pattern: "^[A-Z]{3}$" },
        qty: { type: "integer", min: 1, max: 5, default: 3 },
        price: { type: "number", min: 0 },
        done: { type: "boolean", default: false },
        status: { type: "enum", values: ["open", "closed"], default: "open" },
        due: { type: "datetime" },
      },
      unique: ["code"],
    },
  ],
};

describe("records", () => {
  it("creates with defaults, nulls for unset optional fields, and timestamps", async () => {
    const app = await hostApp(items);
    const res = await app.send("POST", "/items", { title: "pen" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      title: "pen",
      qty: 3,
      done: false,
      status: "open",
      code: null,
      price: null,
      due: null,
    });
    expect(typeof res.body.id).toBe("string");
    expect(Date.parse(res.body.createdAt)).not.toBeNaN();
    expect(res.body.updatedAt).toBe(res.body.createdAt);
    expect(res.headers.get("content-type")).toContain("application/json");
  });

  it("validates every field type and constraint, naming each field", async () => {
    const app = await hostApp(items);
    const cases: [Record<string, unknown>, string][] = [
      [{ title: "x" }, "title"],
      [{ title: "x".repeat(11) }, "title"],
      [{ title: 5 }, "title"],
      [{ title: "ok", code: "abc" }, "code"],
      [{ title: "ok", qty: 0 }, "qty"],
      [{ title: "ok", qty: 6 }, "qty"],
      [{ title: "ok", qty: 2.5 }, "qty"],
      [{ title: "ok", qty: "2" }, "qty"],
      [{ title: "ok", price: -0.01 }, "price"],
      [{ title: "ok", price: "1" }, "price"],
      [{ title: "ok", done: "yes" }, "done"],
      [{ title: "ok", status: "pending" }, "status"],
      [{ title: "ok", due: "tomorrow" }, "due"],
      [{ title: "ok", due: "2024-02-30T25:00:00Z" }, "due"],
      [{ title: "ok", extra: 1 }, "extra"],
      [{}, "title"],
      [{ title: null }, "title"],
    ];
    for (const [body, path] of cases) {
      const res = await app.send("POST", "/items", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      expect(errorPaths(res.body), JSON.stringify(body)).toContain(path);
    }
    const many = await app.send("POST", "/items", { title: 1, qty: 9, extra: true });
    expect(errorPaths(many.body).sort()).toEqual(["extra", "qty", "title"]);
    const ok = await app.send("POST", "/items", {
      title: "ok",
      code: "ABC",
      qty: 5,
      price: 0,
      due: "2025-01-02T03:04:05Z",
    });
    expect(ok.status).toBe(201);
  });

  it("answers invalid_json, non-object bodies and oversized bodies clearly", async () => {
    const app = await hostApp(items);
    const bad = await app.send("POST", "/items", "{not json");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_json");
    for (const body of ["[1]", '"text"', "null", "7"]) {
      const res = await app.send("POST", "/items", body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    const huge = await app.send("POST", "/items", JSON.stringify({ title: "x".repeat(1024 * 1024) }));
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe("payload_too_large");
  });

  it("gets, patches and deletes, with 404 for unknown ids", async () => {
    const app = await hostApp(items);
    const { body: made } = await app.send("POST", "/items", { title: "cup" });
    expect((await app.send("GET", `/items/${made.id}`)).body).toEqual(made);
    const patched = await app.send("PATCH", `/items/${made.id}`, { done: true, price: 2.5 });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ title: "cup", done: true, price: 2.5, createdAt: made.createdAt });
    expect(Date.parse(patched.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(made.updatedAt));
    const cleared = await app.send("PATCH", `/items/${made.id}`, { price: null });
    expect(cleared.body.price).toBeNull();
    const badPatch = await app.send("PATCH", `/items/${made.id}`, { title: null, id: "x" });
    expect(badPatch.status).toBe(400);
    expect(errorPaths(badPatch.body).sort()).toEqual(["id", "title"]);
    expect((await app.send("GET", `/items/${made.id}`)).body.done).toBe(true);
    expect((await app.send("DELETE", `/items/${made.id}`)).status).toBe(204);
    for (const [method, body] of [["GET"], ["PATCH", {}], ["DELETE"]] as const) {
      const res = await app.send(method, `/items/${made.id}`, body);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
  });

  it("keeps unique values unique on create and patch, and frees them on delete", async () => {
    const app = await hostApp(items);
    const a = await app.send("POST", "/items", { title: "aa", code: "AAA" });
    const b = await app.send("POST", "/items", { title: "bb", code: "BBB" });
    const dup = await app.send("POST", "/items", { title: "cc", code: "AAA" });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe("conflict");
    const steal = await app.send("PATCH", `/items/${b.body.id}`, { code: "AAA" });
    expect(steal.status).toBe(409);
    expect((await app.send("PATCH", `/items/${a.body.id}`, { code: "AAA" })).status).toBe(200);
    expect((await app.send("POST", "/items", { title: "n1" })).status).toBe(201);
    expect((await app.send("POST", "/items", { title: "n2" })).status).toBe(201);
    await app.send("DELETE", `/items/${a.body.id}`);
    expect((await app.send("POST", "/items", { title: "dd", code: "AAA" })).status).toBe(201);
  });
});

describe("lists", () => {
  it("pages oldest first with cursors, default 50 and at most 100", async () => {
    const app = await hostApp(items);
    for (let i = 0; i < 105; i++) await app.send("POST", "/items", { title: `t${i}` });
    const first = await app.send("GET", "/items");
    expect(first.body.items).toHaveLength(50);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await app.send("GET", `/items?limit=40${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...page.body.items.map((x: { title: string }) => x.title));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 105 }, (_, i) => `t${i}`));
    const max = await app.send("GET", "/items?limit=100");
    expect(max.body.items).toHaveLength(100);
    expect(max.body.nextCursor).not.toBeNull();
    const last = await app.send("GET", `/items?limit=100&cursor=${max.body.nextCursor}`);
    expect(last.body).toMatchObject({ nextCursor: null });
    expect(last.body.items).toHaveLength(5);
  });

  it("rejects a bad limit, a bad cursor and unknown filters", async () => {
    const app = await hostApp(items);
    for (const q of [
      "limit=0",
      "limit=101",
      "limit=x",
      "limit=-5",
      "cursor=%%%",
      "cursor=abc",
      "color=red",
      "qty=many",
      "done=yes",
    ]) {
      const res = await app.send("GET", `/items?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
  });

  it("filters by equality on each field type, defaults included", async () => {
    const app = await hostApp(items);
    expect(
      (await app.send("POST", "/items", { title: "aa", qty: 1, done: true, status: "closed", price: 1.5, code: "AAA" }))
        .status,
    ).toBe(201);
    expect((await app.send("POST", "/items", { title: "bb", qty: 3 })).status).toBe(201);
    expect((await app.send("POST", "/items", { title: "cc" })).status).toBe(201);
    const count = async (q: string) => (await app.send("GET", `/items?${q}`)).body.items.length;
    expect(await count("qty=3")).toBe(2);
    expect(await count("done=true")).toBe(1);
    expect(await count("done=false")).toBe(2);
    expect(await count("status=open")).toBe(2);
    expect(await count("price=1.5")).toBe(1);
    expect(await count("code=AAA")).toBe(1);
    expect(await count("title=bb&qty=3")).toBe(1);
  });
});

describe("operations, routes and methods", () => {
  it("answers 405 with Allow for an operation the spec leaves out, 404 for unknown routes", async () => {
    const app = await hostApp({
      name: "ro",
      entities: [{ name: "log", plural: "logs", fields: { text: { type: "string" } }, operations: ["create", "list"] }],
    });
    expect((await app.send("POST", "/logs", { text: "a" })).status).toBe(201);
    const del = await app.send("DELETE", "/logs/x");
    expect([404, 405]).toContain(del.status);
    const put = await app.send("PUT", "/logs");
    expect(put.status).toBe(405);
    expect(put.body.error.code).toBe("method_not_allowed");
    expect(put.headers.get("allow")).toBe("POST, GET");
    for (const path of ["/", "/nope", "/logs/a/b", "/%E0%A4%A"]) {
      const res = await app.send("GET", path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
  });
});

describe("counters", () => {
  it("start at 0, increment atomically, and validate `by`", async () => {
    const app = await hostApp({ name: "views", entities: [], counters: [{ name: "home" }] });
    expect((await app.send("GET", "/counters/home")).body).toEqual({ name: "home", value: 0 });
    await Promise.all(Array.from({ length: 20 }, () => app.send("POST", "/counters/home/increment")));
    expect((await app.send("POST", "/counters/home/increment", { by: -5 })).body).toEqual({ name: "home", value: 15 });
    for (const body of [{ by: "x" }, { by: 1.5 }, { step: 1 }, [1]]) {
      const res = await app.send("POST", "/counters/home/increment", body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    expect((await app.send("POST", "/counters/home/increment", "{")).body.error.code).toBe("invalid_json");
    expect((await app.send("GET", "/counters/away")).status).toBe(404);
    expect((await app.send("POST", "/counters/away/increment")).status).toBe(404);
    expect((await app.send("DELETE", "/counters/home")).status).toBe(405);
    expect((await app.send("GET", "/counters/home/increment")).status).toBe(405);
  });
});

describe("TTL", () => {
  it("hides expired records at once and deletes them from storage by alarm", async () => {
    const app = await hostApp({
      name: "sessions",
      entities: [
        { name: "session", plural: "sessions", fields: { user: { type: "string" } }, unique: ["user"], ttlSeconds: 1 },
      ],
    });
    const made = await app.send("POST", "/sessions", { user: "ann" });
    expect((await app.send("GET", `/sessions/${made.body.id}`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1300));
    expect((await app.send("GET", `/sessions/${made.body.id}`)).status).toBe(404);
    expect((await app.send("GET", "/sessions")).body.items).toHaveLength(0);
    // The unique value is free again once its holder has expired.
    expect((await app.send("POST", "/sessions", { user: "ann" })).status).toBe(201);
  });
});

describe("rate limits", () => {
  it("allow `requests` per window per key header value, then 429 with Retry-After", async () => {
    const app = await hostApp({
      name: "limited",
      entities: [{ name: "note", plural: "notes", fields: { t: { type: "string" } } }],
      rateLimit: { requests: 3, windowSeconds: 60, keyHeader: "x-api-key" },
    });
    for (let i = 0; i < 3; i++)
      expect((await app.send("GET", "/notes", undefined, { "x-api-key": "a" })).status).toBe(200);
    const limited = await app.send("POST", "/notes", { t: "x" }, { "x-api-key": "a" });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await app.send("GET", "/notes", undefined, { "x-api-key": "b" })).status).toBe(200);
    for (let i = 0; i < 3; i++) await app.send("GET", "/notes");
    expect((await app.send("GET", "/notes")).status).toBe(429);
  });
});

describe("redeploys", () => {
  it("keep every record; new fields read as their defaults; new unique rules apply to old data", async () => {
    const v1: AppSpecInput = {
      name: "people",
      entities: [{ name: "person", plural: "people", fields: { email: { type: "string", required: true } } }],
    };
    const app = await hostApp(v1);
    const ann = await app.send("POST", "/people", { email: "ann@example.com" });
    await app.redeploy({
      name: "people",
      entities: [
        {
          name: "person",
          plural: "people",
          fields: { email: { type: "string", required: true }, vip: { type: "boolean", default: false } },
          unique: ["email"],
        },
      ],
    });
    expect((await app.send("GET", `/people/${ann.body.id}`)).body).toMatchObject({
      email: "ann@example.com",
      vip: false,
    });
    expect((await app.send("GET", "/people?vip=false")).body.items).toHaveLength(1);
    expect((await app.send("POST", "/people", { email: "ann@example.com" })).status).toBe(409);
  });
});
