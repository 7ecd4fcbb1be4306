// Proves actions (docs/appspec.md "actions", "The action context ctx") in real workerd through the sandboxed host: matched before entity routes, ctx's storage with the HTTP route's validation and errors, response helpers, kv, counters, and that an uncaught error is a 500 internal_error naming the action, with no stack.
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { hostApp } from "../support/app-host";

function action(name: string, method: string, path: string, body: string) {
  return { name, method: method as "GET", path, code: `export default async (req, ctx) => {\n${body}\n};\n` };
}

const shop: AppSpecInput = {
  name: "shop",
  entities: [
    {
      name: "link",
      plural: "links",
      fields: {
        slug: { type: "string", required: true, pattern: "^[a-z0-9]{3,12}$" },
        url: { type: "string", required: true },
        clicks: { type: "integer", min: 0, max: 2, default: 0 },
      },
      unique: ["slug"],
      operations: ["get"],
    },
  ],
  counters: [{ name: "visits" }],
  actions: [
    action(
      "follow",
      "GET",
      "/s/:slug",
      `const { items } = await ctx.entities.links.list({ where: { slug: ctx.params.slug }, limit: 1 });
       if (!items.length) ctx.error(404, "not_found", "no link " + ctx.params.slug);
       await ctx.entities.links.increment(items[0].id, "clicks", 1);
       return ctx.redirect(items[0].url, 302);`,
    ),
    action("shorten", "POST", "/shorten", "return ctx.json(await ctx.entities.links.create(await ctx.body()), 201);"),
    action("home", "GET", "/", 'return ctx.html("<h1>hi " + (ctx.query.get("name") ?? "you") + "</h1>");'),
    action("nothing", "POST", "/nothing", "await ctx.counters.visits.increment(2);"),
    action("visits", "GET", "/visits", "return { visits: await ctx.counters.visits.get(), key: ctx.key };"),
    action("boom", "GET", "/boom", 'const secret = "at line 3"; throw new Error("kaboom " + secret);'),
    action("typo", "GET", "/typo", "return ctx.entities.nope.list();"),
    action("remove", "DELETE", "/links/:id/all", "await ctx.entities.links.delete(ctx.params.id);"),
    action(
      "memo",
      "PUT",
      "/memo/:key",
      `const body = await ctx.body();
       if (body === null) { await ctx.kv.delete(ctx.params.key); return; }
       await ctx.kv.put(ctx.params.key, body, body.ttl ? { ttlSeconds: body.ttl } : undefined);
       return { got: await ctx.kv.get(ctx.params.key), all: await ctx.kv.list("a") };`,
    ),
    action("plain", "GET", "/plain", 'return new Response("raw", { status: 202, headers: { "x-mine": "1" } });'),
    action("spin", "GET", "/spin", "for (;;) {}"),
    action("proto", "GET", "/proto/:__proto__", "return { params: ctx.params, polluted: ({}).polluted ?? null };"),
  ],
};

describe("actions", () => {
  it("redirect, count and answer the entity errors (the shortener)", async () => {
    const app = await hostApp(shop);
    expect((await app.send("POST", "/shorten", { slug: "cf", url: "https://x/" })).status).toBe(400);
    const made = await app.send("POST", "/shorten", { slug: "cfw", url: "https://workers.example/" });
    expect(made.status).toBe(201);
    const dup = await app.send("POST", "/shorten", { slug: "cfw", url: "https://other/" });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe("conflict");
    const go = await app.send("GET", "/s/cfw");
    expect(go.status).toBe(302);
    expect(go.headers.get("location")).toBe("https://workers.example/");
    expect((await app.send("GET", `/links/${made.body.id}`)).body.clicks).toBe(1);
    expect((await app.send("GET", "/s/cfw")).status).toBe(302);
    // clicks has max 2: the third increment is a 409 and changes nothing.
    const over = await app.send("GET", "/s/cfw");
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe("conflict");
    expect((await app.send("GET", `/links/${made.body.id}`)).body.clicks).toBe(2);
    const missing = await app.send("GET", "/s/zzz");
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: "not_found", message: "no link zzz", details: [] } });
  });

  it("answers invalid JSON bodies 400 invalid_json and bad records validation_failed", async () => {
    const app = await hostApp(shop);
    const bad = await app.send("POST", "/shorten", "{nope");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_json");
    const invalid = await app.send("POST", "/shorten", { slug: "ok1", url: 5 });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe("validation_failed");
    expect(JSON.stringify(invalid.body.error.details)).toContain("url");
  });

  it("uses every operation, whatever the entity's HTTP operations are", async () => {
    const app = await hostApp(shop);
    expect((await app.send("POST", "/links", { slug: "abc", url: "u" })).status).toBe(404);
    const made = await app.send("POST", "/shorten", { slug: "abc", url: "u" });
    expect((await app.send("DELETE", `/links/${made.body.id}/all`)).status).toBe(204);
    expect((await app.send("GET", `/links/${made.body.id}`)).status).toBe(404);
    expect((await app.send("DELETE", `/links/${made.body.id}/all`)).status).toBe(404);
  });

  it("serves an action at / for both B and B/, with the query and the html helper", async () => {
    const app = await hostApp(shop);
    for (const path of ["", "/"]) {
      const res = await app.send("GET", `${path}?name=ann`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.body).toBe("<h1>hi ann</h1>");
    }
  });

  it("answers nothing as 204, a value as JSON 200, a Response as it is", async () => {
    const app = await hostApp(shop);
    const none = await app.send("POST", "/nothing");
    expect(none.status).toBe(204);
    expect(none.body).toBeUndefined();
    expect((await app.send("GET", "/visits")).body).toEqual({ visits: 2, key: null });
    expect((await app.send("GET", "/counters/visits")).body.value).toBe(2);
    const plain = await app.send("GET", "/plain");
    expect([plain.status, plain.body, plain.headers.get("x-mine")]).toEqual([202, "raw", "1"]);
  });

  it("answers an action's path with another method 405, and unknown paths 404 as before", async () => {
    const app = await hostApp(shop);
    const res = await app.send("POST", "/visits");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET");
    expect((await app.send("GET", "/s/a/b")).status).toBe(404);
  });

  it("turns an uncaught error into 500 internal_error naming the action, without stack or message", async () => {
    const app = await hostApp(shop);
    for (const [path, name] of [
      ["/boom", "boom"],
      ["/typo", "typo"],
    ]) {
      const res = await app.send("GET", path!);
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: { code: "internal_error", message: `action ${name} failed`, details: [] } });
    }
  });

  it("keeps a parameter named __proto__ a parameter", async () => {
    const app = await hostApp(shop);
    const res = await app.send("GET", "/proto/x");
    expect(res.body).toEqual({ params: { ["__proto__"]: "x" }, polluted: null });
  });

  it("stops an action that spins with the sandbox's per-request budget, and serves the next request", async () => {
    const app = await hostApp(shop);
    const spun = await app.send("GET", "/spin");
    expect([spun.status, spun.body.error.code]).toEqual([503, "cpu_limit_exceeded"]);
    expect((await app.send("GET", "/visits")).status).toBe(200);
  });

  it("keeps JSON values per partition in kv, with list by prefix and delete", async () => {
    const app = await hostApp(shop);
    await app.send("PUT", "/memo/a1", { n: 1 });
    await app.send("PUT", "/memo/b1", { n: 2 });
    const res = await app.send("PUT", "/memo/a2", { n: 3, ttl: 60 });
    expect(res.body).toEqual({
      got: { n: 3, ttl: 60 },
      all: [
        { key: "a1", value: { n: 1 } },
        { key: "a2", value: { n: 3, ttl: 60 } },
      ],
    });
    expect((await app.send("PUT", "/memo/a1", "null")).status).toBe(204);
    const ttl = await app.send("PUT", "/memo/a3", { ttl: -1 });
    expect([ttl.status, ttl.body.error.code, ttl.body.error.details[0].path]).toEqual([
      400,
      "validation_failed",
      "ttlSeconds",
    ]);
    expect((await app.send("PUT", "/memo/a9", { n: 9 })).body.all.map((e: { key: string }) => e.key)).toEqual([
      "a2",
      "a9",
    ]);
  });

  it("tells a perKey action its key only through the host, never from the client", async () => {
    const app = await hostApp({ ...shop, partition: "perKey" });
    const res = await app.send("GET", "/visits", undefined, { "x-aidevos-partition-key": "team-a" });
    expect(res.body.key).toBe("team-a");
  });

  it("lists with where ranges, sort and cursors, as the HTTP list does, and refuses what it refuses", async () => {
    const app = await hostApp({
      name: "board",
      entities: [
        {
          name: "score",
          plural: "scores",
          fields: { player: { type: "string", required: true }, points: { type: "integer", required: true } },
          sortable: ["points"],
        },
      ],
      actions: [
        action(
          "top",
          "GET",
          "/top",
          `const min = Number(ctx.query.get("min") ?? 0);
           const first = await ctx.entities.scores.list({ where: { points: { gte: min } }, sort: "-points", limit: 2 });
           const rest = await ctx.entities.scores.list({ where: { points: { gte: min } }, sort: "-points", limit: 2, cursor: first.nextCursor });
           return { first: first.items.map((s) => s.player), rest: rest.items.map((s) => s.player) };`,
        ),
        action("badSort", "GET", "/bad", 'return ctx.entities.scores.list({ sort: "player" });'),
      ],
    });
    for (const [player, points] of [
      ["ann", 5],
      ["bob", 9],
      ["cy", 1],
      ["di", 7],
    ] as const)
      await app.send("POST", "/scores", { player, points });
    expect((await app.send("GET", "/top?min=2")).body).toEqual({ first: ["bob", "di"], rest: ["ann"] });
    const bad = await app.send("GET", "/bad");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");
  });
});
