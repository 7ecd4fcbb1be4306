// Proves the knowledge base's app patterns: at least twelve ship, each one's spec builds and deploys offline (its examples are the deploy gate), and offline free text is built from the best-matching pattern (its events and its summary name it) or refused with the three closest.
// How deployed apps become patterns: test/learning/learned-patterns.test.ts.

import { env } from "cloudflare:workers";
import { AppSpec } from "@aidevos/core";
import { SEED_PATTERNS } from "@aidevos/learning";
import { knowledgeBaseOf } from "@aidevos/objects";
import { describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

/** Patterns whose spec this version's AppSpec schema accepts (the others need issue 17's secrets, channels, schedules or outbound). */
const buildable = (p: (typeof SEED_PATTERNS)[number]) => AppSpec.safeParse(p.spec).success;

describe("seeded app patterns", () => {
  it("lists at least twelve, each with its spec, request and actions with examples", async () => {
    const { items } = await json(await api("/v1/knowledge?kind=pattern&limit=200"));
    const apps = items.filter((e: { app?: unknown }) => e.app);
    expect(apps.length).toBeGreaterThanOrEqual(12);
    expect(items.every((e: { kind: string }) => e.kind === "pattern")).toBe(true);
    for (const title of [
      "Todo list",
      "URL shortener",
      "Chat room",
      "Cached upstream proxy",
      "Signed webhook receiver",
    ]) {
      const found = apps.find((e: { title: string }) => e.title === `App pattern: ${title}`);
      expect(found, title).toBeDefined();
      expect(found.app.request.length).toBeGreaterThan(10);
      expect(found.app.spec.actions.length).toBeGreaterThan(0);
      expect(found.app.spec.actions.every((a: { examples?: unknown[] }) => (a.examples ?? []).length > 0)).toBe(true);
    }
    expect((await api("/v1/knowledge?kind=recipe")).status).toBe(400);
  });

  for (const pattern of SEED_PATTERNS) {
    const reason =
      pattern.needs.length && !buildable(pattern)
        ? ` (skipped until AppSpec has ${pattern.needs.join(", ")}: issue 17)`
        : "";
    it.skipIf(!buildable(pattern))(
      `${pattern.title}: its spec deploys offline, its examples passing${reason}`,
      async () => {
        const spec = { ...pattern.spec, name: uniqueName(pattern.spec.name.slice(0, 20)) };
        const run = await waitForRun((await startRun({ request: pattern.request, spec })).id, 25_000);
        expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
        const tests = await json(await api(`/v1/runs/${run.id}/tests`));
        const examples = tests.reports.find((r: { kind: string }) => r.kind === "examples");
        expect(examples?.ok).toBe(true);
        expect(examples.cases.length).toBeGreaterThan(1);
      },
    );
  }
});

describe("offline free text from patterns", () => {
  it('builds "A URL shortener that counts clicks" from the shortener pattern, and the app works', async () => {
    const run = await waitForRun((await startRun({ request: "A URL shortener that counts clicks" })).id, 25_000);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    // A new app, named from the request (test/learning/free-text-safety.test.ts: never over an existing one).
    const app = run.app!.name;
    expect(app).toBe("url-shortener-counts");
    const events = await (await api(`/v1/runs/${run.id}/events`)).text();
    expect(events).toContain("built from the pattern");
    expect(events).toContain("App pattern: URL shortener");
    expect(events).toMatch(/match score 1\b/);
    const made = await api(`/apps/${app}/shorten`, {
      method: "POST",
      json: { slug: "docs", url: "https://developers.example/" },
    });
    expect(made.status).toBe(201);
    const go = await api(`/apps/${app}/s/docs`, { redirect: "manual" });
    expect(go.status).toBe(302);
    expect((await json(await api(`/apps/${app}/s/docs/stats`))).clicks).toBe(1);
    // The run's summary says which pattern it was built from (the dashboard's run page shows it).
    expect(run.pattern).toMatchObject({ title: "App pattern: URL shortener", score: 1 });
  });

  it("refuses what no pattern covers with offline_needs_spec, naming the three closest patterns", async () => {
    const res = await api("/v1/runs", { method: "POST", json: { request: "something no pattern covers" } });
    expect(res.status).toBe(422);
    const { error } = await json(res);
    expect(error.code).toBe("offline_needs_spec");
    expect(error.message).toContain("ANTHROPIC_API_KEY");
    expect(error.details).toHaveLength(3);
    for (const d of error.details) {
      expect(d.path).toMatch(/^pattern:/);
      const [, score] = d.message.match(/^App pattern: .+ \(score ([\d.]+)\)$/);
      expect(Number(score)).toBeLessThan(0.5);
    }
  });

  it("refuses a request naming things no pattern has, rather than building it as another domain", async () => {
    // Customers, items and totals are the cart's words too; invoices, trackers and line items are not: the
    // things the request names that the cart lacks count against it (issue 31: this was built as the cart). Its
    // score stays below the threshold (0.6).
    const res = await api("/v1/runs", {
      method: "POST",
      json: { request: "An invoice tracker with customers, invoices and line items, totals per customer" },
    });
    expect(res.status).toBe(422);
    const { error } = await json(res);
    expect(error.code).toBe("offline_needs_spec");
    expect(error.details[0].message).toMatch(/^App pattern: Shopping cart \(score 0\.[0-5]\d?\)$/);
  });

  it("lists the closer patterns first when a request half-matches", async () => {
    const res = await api("/v1/runs", { method: "POST", json: { request: "a ranking of employees by salary" } });
    expect(res.status).toBe(422);
    const { error } = await json(res);
    expect(error.details[0].message).toContain("Leaderboard");
  });

  it("measures the share of free-text requests built from the right pattern", async () => {
    // What people type, and the pattern that should answer (null: none should; it must be refused).
    const requests: [string, string | null][] = [
      ["A URL shortener that counts clicks", "URL shortener"],
      ["short links that redirect", "URL shortener"],
      ["todo list with due dates", "Todo list"],
      ["I need to track my tasks and tick them off", "Todo list"],
      ["private notes I can search", "Notes per user"],
      ["a leaderboard of game scores", "Leaderboard"],
      ["top players by points", "Leaderboard"],
      ["a poll where people vote on options", "Poll with votes"],
      ["a survey with a question and results", "Poll with votes"],
      ["a shopping cart with a total price", "Shopping cart"],
      ["a guestbook for my website", "Guestbook page"],
      ["feature flags with percentage rollout", "Feature flags"],
      ["toggle features on for some users", "Feature flags"],
      ["a chat room with live messages", "Chat room"],
      ["verify signed webhook deliveries", "Signed webhook receiver"],
      ["delete expired sessions every hour", "Scheduled cleanup"],
      ["cache an upstream API behind a proxy", "Cached upstream proxy"],
      ["an inventory of warehouse pallets with barcodes", null],
      ["something no pattern covers", null],
    ];
    const kb = knowledgeBaseOf(env);
    let right = 0;
    const misses: string[] = [];
    for (const [request, expected] of requests) {
      const { threshold, matches } = await kb.matchPatterns(request);
      const best = matches[0]!;
      const chosen = best.score >= threshold ? best.entry.title.replace("App pattern: ", "") : null;
      if (chosen === expected) right += 1;
      else misses.push(`"${request}" → ${chosen ?? "refused"} (${best.score}), wanted ${expected ?? "refused"}`);
    }
    const share = right / requests.length;
    console.log(
      `free text matched to the right pattern offline: ${right} of ${requests.length} (${Math.round(share * 100)}%)`,
      misses,
    );
    expect(share).toBeGreaterThanOrEqual(0.85);
  });
});
