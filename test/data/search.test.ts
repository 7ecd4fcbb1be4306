// Proves full-text search (AppSpec v3 "Data": `search` and `?q=`, `list({ q })`): words are runs of
// letters and digits compared after case folding and removing diacritics, no stemming, a trailing `*`
// is a prefix, relevance order with ties oldest first unless `sort`, 400 for `q` without `search` or
// without words, never a 500 for FTS5 syntax in `q`; and that the index follows creates, updates,
// deletes, TTL expiry and redeploys that change `search`, combined with filters and cursors.

import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { hostApp } from "../support/app-host";

const notes = (search: string[] | undefined, ttlSeconds?: number): AppSpecInput => ({
  name: "notes",
  entities: [
    {
      name: "note",
      plural: "notes",
      fields: {
        title: { type: "string", required: true },
        body: { type: "string" },
        tag: { type: "string" },
        rank: { type: "integer", default: 0 },
      },
      sortable: ["rank"],
      ...(search ? { search } : {}),
      ...(ttlSeconds ? { ttlSeconds } : {}),
    },
    { name: "plain", plural: "plains", fields: { title: { type: "string" } } },
  ],
  actions: [
    {
      name: "find",
      method: "GET",
      path: "/find",
      code: "export default async (req, ctx) => { const { items } = await ctx.entities.notes.list({ q: ctx.query.get('q'), where: { tag: 'a' } }); return items.map((n) => n.title); }",
    },
  ],
});

const titles = (res: { body: { items: { title: string }[] } }) => res.body.items.map((n) => n.title);

async function seeded(search: string[] = ["title", "body"]) {
  const app = await hostApp(notes(search));
  const rows = [
    { title: "Café crème", body: "a warm drink", tag: "a", rank: 3 },
    { title: "Reading lamp", body: "lamp lamp lamp for reading", tag: "a", rank: 1 },
    { title: "Lamps", body: "plural only", tag: "b", rank: 2 },
    { title: "Über cafe", body: "café 2024", tag: "b", rank: 5 },
    { title: "lampshade", body: "linen", tag: "a", rank: 4 },
  ];
  const ids: string[] = [];
  for (const row of rows) ids.push((await app.send("POST", "/notes", row)).body.id);
  return { app, ids };
}

describe("?q=", () => {
  it("folds case and diacritics, matches whole words without stemming, * is a prefix", async () => {
    const { app } = await seeded();
    expect(titles(await app.send("GET", "/notes?q=CAFE&sort=rank"))).toEqual(["Café crème", "Über cafe"]);
    expect(titles(await app.send("GET", "/notes?q=uber"))).toEqual(["Über cafe"]);
    expect(titles(await app.send("GET", "/notes?q=creme"))).toEqual(["Café crème"]);
    expect(titles(await app.send("GET", "/notes?q=lamp"))).toEqual(["Reading lamp"]);
    expect(titles(await app.send("GET", "/notes?q=lamp*&sort=rank"))).toEqual(["Reading lamp", "Lamps", "lampshade"]);
    // Every word must match; the tag field is not searched.
    expect(titles(await app.send("GET", "/notes?q=reading+lamp"))).toEqual(["Reading lamp"]);
    expect(titles(await app.send("GET", "/notes?q=reading+sofa"))).toEqual([]);
    expect(titles(await app.send("GET", "/notes?q=a"))).toEqual(["Café crème"]);
    expect(titles(await app.send("GET", "/notes?q=2024"))).toEqual(["Über cafe"]);
    // Punctuation separates words: "lamp-shade" is two words.
    expect(titles(await app.send("GET", "/notes?q=warm,drink"))).toEqual(["Café crème"]);
  });

  it("orders by relevance, ties oldest first, unless sort; pages by relevance with cursors", async () => {
    const app = await hostApp(notes(["title", "body"]));
    for (const [title, body] of [
      ["one", "apple"],
      ["two", "apple apple apple"],
      ["three", "apple"],
      ["four", "apple apple"],
      ["five", "apple"],
    ])
      await app.send("POST", "/notes", { title, body });
    expect(titles(await app.send("GET", "/notes?q=apple"))).toEqual(["two", "four", "one", "three", "five"]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { title: string }[]; nextCursor: string | null } } = await app.send(
        "GET",
        `/notes?q=apple&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      seen.push(...titles(page));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(["two", "four", "one", "three", "five"]);
    // A cursor belongs to its query.
    const first = await app.send("GET", "/notes?q=apple&limit=2");
    expect((await app.send("GET", `/notes?q=two&cursor=${first.body.nextCursor}`)).status).toBe(400);
    expect(titles(await app.send("GET", "/notes?q=apple&sort=-createdAt&limit=2"))).toEqual(["five", "four"]);
  });

  it("combines with filters, ranges and sorts", async () => {
    const { app } = await seeded();
    expect(titles(await app.send("GET", "/notes?q=lamp*&tag=a&sort=-rank"))).toEqual(["lampshade", "Reading lamp"]);
    expect(titles(await app.send("GET", "/notes?q=lamp*&rank[gte]=2&tag[in]=a,b&sort=rank"))).toEqual([
      "Lamps",
      "lampshade",
    ]);
    expect(titles(await app.send("GET", "/notes?q=lamp*&title[prefix]=L"))).toEqual(["Lamps"]);
  });

  it("answers 400 validation_failed for q without search, empty, or without words; never 500 for FTS5 syntax", async () => {
    const { app } = await seeded();
    for (const path of ["/plains?q=x", "/notes?q=", "/notes?q=%22%22", "/notes?q=*", "/notes?q=---"]) {
      const res = await app.send("GET", path);
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
      expect(res.body.error.details[0].path).toBe("q");
    }
    for (const q of [
      '"lamp',
      "lamp AND",
      "NOT lamp",
      "NEAR(lamp",
      "title:lamp",
      "^lamp",
      "lamp OR (",
      "-lamp",
      "l*a*",
    ]) {
      const res = await app.send("GET", `/notes?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
    }
    expect(titles(await app.send("GET", `/notes?q=${encodeURIComponent("reading:lamp")}`))).toEqual(["Reading lamp"]);
  });

  it("is list({ q }) in actions too", async () => {
    const { app } = await seeded();
    expect((await app.send("GET", "/find?q=lamp*")).body).toEqual(["Reading lamp", "lampshade"]);
    const bad = await app.send("GET", "/find?q=%20");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");
  });
});

describe("the search index", () => {
  it("follows updates and deletes", async () => {
    const { app, ids } = await seeded();
    await app.send("PATCH", `/notes/${ids[1]}`, { title: "Desk light", body: "bright" });
    expect(titles(await app.send("GET", "/notes?q=lamp"))).toEqual([]);
    expect(titles(await app.send("GET", "/notes?q=bright"))).toEqual(["Desk light"]);
    await app.send("DELETE", `/notes/${ids[1]}`);
    expect(titles(await app.send("GET", "/notes?q=bright"))).toEqual([]);
  });

  it("forgets expired records", async () => {
    const app = await hostApp(notes(["title"], 1));
    await app.send("POST", "/notes", { title: "fleeting" });
    expect(titles(await app.send("GET", "/notes?q=fleeting"))).toEqual(["fleeting"]);
    await new Promise((r) => setTimeout(r, 2100));
    expect(titles(await app.send("GET", "/notes?q=fleeting"))).toEqual([]);
  });

  it("is rebuilt by a redeploy that changes search, and kept by one that does not", async () => {
    const { app } = await seeded(["title"]);
    expect(titles(await app.send("GET", "/notes?q=linen"))).toEqual([]);
    await app.redeploy(notes(["title", "body"]));
    expect(titles(await app.send("GET", "/notes?q=linen"))).toEqual(["lampshade"]);
    await app.redeploy(notes(undefined));
    expect((await app.send("GET", "/notes?q=linen")).status).toBe(400);
    // Written while no version searched: found once a version searches again.
    await app.send("POST", "/notes", { title: "written meanwhile" });
    await app.redeploy(notes(["title"]));
    expect(titles(await app.send("GET", "/notes?q=meanwhile"))).toEqual(["written meanwhile"]);
    expect(titles(await app.send("GET", "/notes?q=linen"))).toEqual([]);
  });
});
