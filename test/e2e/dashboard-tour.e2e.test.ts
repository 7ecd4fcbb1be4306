// Proves, in Chromium against `wrangler dev`, that every dashboard page opens and every move from one page to another
// (a link where the page has one, the address bar where it has none, and the browser's Back) ends on the page asked for,
// with zero console errors, zero uncaught page errors and no error shown in place of the page: the pages' requests and
// timers that finish after the user moved on must not write into, or over, the next page (moving from a run's page to an
// app's page used to throw "Cannot set properties of null (setting 'innerHTML')" and show it over the app's page).
// The data every page shows is seeded through the HTTP API first: an app with records, end users' accounts, a schedule,
// a channel and an examples report, the run that built it, an error group, the seeded knowledge base, and a run built
// from free text by a seeded pattern. Then what some pages say is held to its source: the Limits page's figures equal
// GET /v1/limits, a run built from a pattern names the pattern on its page, and the knowledge page's search shows the
// results of the last query asked, also when an older query answers after it (and says when it has).
import { existsSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, launchChromium } from "./chromium";
import { type DevServer, devCall, devDeploy, startWranglerDev } from "./wrangler-dev";

const APP = `tour-${Date.now().toString(36)}`;

const SPEC = {
  name: APP,
  performance: { p95Ms: 10_000 },
  entities: [{ name: "note", plural: "notes", fields: { title: { type: "string", required: true } } }],
  counters: [{ name: "ticks" }],
  // End users: the app page's accounts section shows too.
  accounts: { signup: "open" },
  actions: [
    {
      name: "count",
      method: "GET",
      path: "/count",
      code: "export default async (req, ctx) => ({ notes: (await ctx.entities.notes.list()).items.length });\n",
      examples: [{ path: "/count", status: 200, json: { notes: 0 } }],
    },
    {
      name: "tick",
      method: "POST",
      path: "/tick",
      code: "export default async (req, ctx) => ({ ticks: await ctx.counters.ticks.increment() });\n",
    },
    {
      // An uncaught error in production: the app page's error group.
      name: "boom",
      method: "GET",
      path: "/boom",
      code: 'export default async () => { throw new Error("tour broke on purpose"); };\n',
      examples: [{ path: "/boom", status: 500 }],
    },
  ],
  schedules: [{ name: "hourly", everySeconds: 3600, action: "tick" }],
  channels: [{ name: "lobby" }],
};

let dev: DevServer;
let runId = "";
/** A run built offline from free text, by the seeded URL shortener pattern (test/learning/patterns.test.ts). */
let patternRunId = "";

beforeAll(async () => {
  dev = await startWranglerDev();
  runId = (await devDeploy(dev, SPEC)).id;
  for (let i = 0; i < 5; i++) {
    const made = await devCall(dev, `/apps/${APP}/notes`, { method: "POST", json: { title: `note ${i}` } });
    expect(made.status).toBe(201);
  }
  expect((await devCall(dev, `/apps/${APP}/boom`)).status).toBe(500);
  const fromPattern = await devCall(dev, "/v1/runs", {
    method: "POST",
    json: { request: "A URL shortener that counts clicks" },
  });
  expect(fromPattern.status).toBe(202);
  patternRunId = fromPattern.body.id;
  for (const deadline = Date.now() + 60_000; ; ) {
    const run = (await devCall(dev, `/v1/runs/${patternRunId}`)).body;
    if (run.status === "succeeded") break;
    if (run.status === "failed" || Date.now() > deadline) throw new Error(`pattern run: ${JSON.stringify(run)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // Reading the errors hands the held requests to the monitor: the group is there before any page opens.
  const deadline = Date.now() + 60_000;
  while ((await devCall(dev, `/v1/apps/${APP}/errors`)).body.items.length === 0) {
    if (Date.now() > deadline) throw new Error("no error group");
    await new Promise((r) => setTimeout(r, 250));
  }
}, 180_000);
afterAll(async () => {
  await dev?.stop();
});

type Name = "runs" | "run" | "apps" | "app" | "knowledge" | "limits";

/** Where each dashboard page is, and what shows that it has loaded its data. */
const PAGES: Record<Name, { hash: () => string; ready: (page: Page) => Promise<unknown> }> = {
  runs: {
    hash: () => "#/",
    ready: (page) => page.locator("#runs table a", { hasText: "e2e" }).first().waitFor(),
  },
  run: {
    hash: () => `#/runs/${runId}`,
    ready: (page) => page.locator("#stages table").waitFor(),
  },
  apps: {
    hash: () => "#/apps",
    ready: (page) => page.getByRole("link", { name: APP, exact: true }).waitFor(),
  },
  app: {
    hash: () => `#/apps/${APP}`,
    ready: async (page) => {
      await page.locator("#errors", { hasText: "action boom failed" }).waitFor();
      await page.locator("#schedules", { hasText: "hourly" }).waitFor();
      await page.locator("#examples", { hasText: "count example 1" }).waitFor();
      await page.locator("#user-count", { hasText: "0 user(s)" }).waitFor();
    },
  },
  knowledge: {
    hash: () => "#/knowledge",
    ready: (page) => page.locator("#entries table").waitFor(),
  },
  limits: {
    hash: () => "#/limits",
    ready: async (page) => {
      await page.locator("#run-limits table").waitFor();
      await page.locator("#quotas table").waitFor();
    },
  },
};

/** Waits for a page's data; on a timeout, says what the page showed instead. */
async function shown(page: Page, name: Name) {
  try {
    await PAGES[name].ready(page);
  } catch (err) {
    const text = await page
      .locator("#view")
      .innerText()
      .catch(() => "(no #view)");
    throw new Error(
      `${name} page not shown at ${page.url()}: ${(err as Error).message}\n--- the page showed:\n${text.slice(0, 1500)}`,
    );
  }
}

/** How a user goes from one page to another: the link the page shows, or the address bar where it shows none. */
async function move(page: Page, from: Name, to: Name) {
  const nav = { runs: "Runs", apps: "Apps", knowledge: "Knowledge", limits: "Limits" } as const;
  if (to in nav)
    return page
      .getByRole("navigation")
      .getByRole("link", { name: nav[to as keyof typeof nav] })
      .click();
  if (to === "run" && from === "runs") return page.locator(`#runs a[href="#/runs/${runId}"]`).click();
  if (to === "run" && from === "app") return page.locator(`#versions a[href="#/runs/${runId}"]`).click();
  if (to === "app" && from === "run") return page.locator("#run-app a").click();
  if (to === "app" && from === "apps") return page.getByRole("link", { name: APP, exact: true }).click();
  if (to === "app" && from === "runs") return page.locator(`#runs a[href="#/apps/${APP}"]`).first().click();
  return page.evaluate((hash) => {
    location.hash = hash;
  }, PAGES[to].hash());
}

/** A new page whose console errors and uncaught errors are added to `errors`, each with the page it was on. */
async function watchedPage(browser: Awaited<ReturnType<typeof launchChromium>>, errors: string[]) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()} (${m.location().url}, on ${page.url()})`);
  });
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message} (at ${page.url()})`));
  return page;
}

describe.runIf(existsSync(CHROMIUM))("the dashboard, every page and every move between pages", () => {
  it("shows each page with its data and no console error, whatever page the user comes from", {
    timeout: 600_000,
  }, async () => {
    const browser = await launchChromium();
    const errors: string[] = [];
    try {
      const page = await watchedPage(browser, errors);
      const shownError = () =>
        page.locator('#view [role="alert"]').evaluateAll((els) => els.map((e) => e.textContent).join(""));
      const names = Object.keys(PAGES) as Name[];
      const moves: string[] = [];
      for (const from of names) {
        for (const to of names) {
          if (from === to) continue;
          await page.goto(`${dev.base}/${PAGES[from].hash()}`);
          await shown(page, from);
          // At once, while the page's own requests, stream and timers may still be running.
          await move(page, from, to);
          await shown(page, to);
          // Long enough for what the previous page still had in flight to finish, and a refresh timer to fire.
          await page.waitForTimeout(2500);
          await shown(page, to);
          expect(await shownError(), `${from} → ${to}`).toBe("");
          moves.push(`${from} → ${to}`);
        }
      }
      expect(moves).toHaveLength(30);

      // Back through the browser's history, and the pages outside the hash routes: the API docs and the app's docs.
      await page.goto(`${dev.base}/${PAGES.run.hash()}`);
      await shown(page, "run");
      await move(page, "run", "app");
      await shown(page, "app");
      await page.goBack();
      await shown(page, "run");
      await page.goForward();
      await shown(page, "app");
      await page.getByRole("link", { name: `${APP} API docs` }).click();
      await page.getByRole("heading", { name: `${APP} API (version 1)` }).waitFor();
      await page.goBack();
      await shown(page, "app");
      await page.getByRole("navigation").getByRole("link", { name: "API docs" }).click();
      await page.getByText("/v1/runs/{id}/events").first().waitFor();
      await page.getByRole("link", { name: "dashboard" }).click();
      await shown(page, "runs");
      await page.waitForTimeout(2500);
      expect(await shownError()).toBe("");
    } finally {
      await browser.close();
    }
    expect(errors).toEqual([]);
  });

  it("shows what its sources say: the limits as GET /v1/limits has them, the pattern a run was built from, the last search", {
    timeout: 300_000,
  }, async () => {
    const browser = await launchChromium();
    const errors: string[] = [];
    try {
      const page = await watchedPage(browser, errors);

      // The Limits page: each row's figures (in the order shown) are the API's, row by row, keyed by the setting.
      await page.goto(`${dev.base}/${PAGES.limits.hash()}`);
      await shown(page, "limits");
      const limits = (await devCall(dev, "/v1/limits")).body;
      const expected: Record<string, number[]> = {
        AIDEVOS_MAX_CONCURRENT_RUNS: [limits.runs.running, limits.runs.maxConcurrent, limits.runs.waiting],
        AIDEVOS_DAILY_SPEND_USD: [Number(limits.spend.spentTodayUsd.toFixed(2)), limits.spend.dailyCapUsd],
        AIDEVOS_RUN_TOKEN_BUDGET: [limits.runs.defaultTokenBudget],
        AIDEVOS_RUN_MAX_MODEL_CALLS: [limits.runs.maxModelCalls],
        AIDEVOS_AUTO_RUN_TOKEN_BUDGET: [limits.automaticRuns.tokenBudget],
        AIDEVOS_AUTO_RUN_COOLDOWN_SECONDS: [limits.automaticRuns.cooldownSeconds],
        AIDEVOS_RUNS_KEPT: [limits.runs.kept],
        ...Object.fromEntries(Object.entries(limits.quotas as Record<string, number>).map(([k, v]) => [k, [v]])),
      };
      expect(Object.keys(limits.quotas).length).toBeGreaterThan(5);
      const rows = await page
        .locator("#view tbody tr")
        .evaluateAll((trs) =>
          trs.map((tr) => [tr.querySelector("code")?.textContent ?? "", tr.querySelector("td")?.textContent ?? ""]),
        );
      const figures = (text: string) =>
        (text.match(/\d[\d,]*(?:\.\d+)?/g) ?? []).map((n) => Number(n.replaceAll(",", "")));
      const shownFigures = Object.fromEntries(rows.map(([setting, now]) => [setting, figures(now!)]));
      expect.soft(shownFigures, "the Limits page against GET /v1/limits").toEqual(expected);

      // A run built from a pattern names it on its page.
      await page.goto(`${dev.base}/#/runs/${patternRunId}`);
      await page.locator("#stages table").waitFor();
      await expect
        .soft(page.locator("#run-pattern").innerText(), "the run page's pattern line")
        .resolves.toMatch(/^Built from the pattern .URL shortener. \(match score [\d.]+\)$/);

      // The knowledge page's search: an older query that answers after a newer one does not write over it, and the
      // page says which query its results are for once the newest has answered.
      await page.goto(`${dev.base}/${PAGES.knowledge.hash()}`);
      await shown(page, "knowledge");
      const older = "zzqxnothing";
      await page.route(
        (url) => url.pathname === "/v1/knowledge" && url.searchParams.get("q") === older,
        async (route) => {
          await new Promise((r) => setTimeout(r, 1500));
          await route.continue();
        },
      );
      const olderAnswered = page.waitForResponse((r) => new URL(r.url()).searchParams.get("q") === older);
      await page.locator("#q").fill(older);
      await page.locator("#q").press("Enter");
      await page.locator("#q").fill("counters");
      await page.locator("#q").press("Enter");
      await olderAnswered;
      const settled = page.locator('#entries[data-query="counters"]:not([aria-busy="true"])');
      await expect
        .soft(settled.waitFor({ timeout: 5000 }), "the search says it has settled on the newest query")
        .resolves.toBeUndefined();
      await expect
        .soft(page.locator("#entries").innerText(), "the newest query's results stay")
        .resolves.toMatch(/counter/i);
      await expect.soft(page.locator("#entries").innerText()).resolves.not.toContain("Nothing found");
    } finally {
      await browser.close();
    }
    expect(errors).toEqual([]);
  });
});
