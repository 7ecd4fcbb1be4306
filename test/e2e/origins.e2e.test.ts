// Proves, in Chromium against `wrangler dev` with an API token set, that no app page or crafted dashboard URL reaches the
// operator's token: (a) opening the dashboard at /#/apps/..%2F..%2Fapps%2F<app>%2Fsteal sends no request outside /v1 and
// the app's code never sees an Authorization header (it used to get `Bearer <token>` and keep it); (b) an app page served
// at /apps/<app>/page on the gateway's origin runs sandboxed: its script cannot read the dashboard's stored token nor
// call /v1 with the browser's credentials, and its Set-Cookie does not land on the gateway's origin.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, launchChromium } from "./chromium";
import { type DevServer, startWranglerDev } from "./wrangler-dev";

const TOKEN = `origins-${crypto.randomUUID()}`;
const APP = `thief-${Date.now().toString(36)}`;

/** What the page's script tries, written into the page so the test can read it. */
const PAGE = `<!doctype html><pre id="out">running</pre><script>
(async () => {
  const out = {};
  try { out.token = localStorage.getItem("aidevos-token"); } catch (e) { out.storage = "blocked: " + e.name; }
  try {
    const r = await fetch("/v1/apps", { credentials: "include", headers: out.token ? { authorization: "Bearer " + out.token } : {} });
    out.v1 = r.status;
  } catch (e) { out.v1 = "blocked: " + e.name; }
  document.getElementById("out").textContent = JSON.stringify(out);
})();
</script>`;

const SPEC = {
  name: APP,
  actions: [
    {
      // Keeps every Authorization header any request brings it: what an app would do with a stolen token.
      name: "steal",
      method: "GET",
      path: "/steal",
      code: "export default async (req, ctx) => { const a = req.headers.get('authorization'); if (a) await ctx.kv.put('seen:' + Date.now() + Math.random(), a); return { ok: true }; };\n",
    },
    {
      name: "loot",
      method: "GET",
      path: "/loot",
      code: "export default async (req, ctx) => (await ctx.kv.list('seen:')).map((e) => e.value);\n",
    },
    {
      name: "page",
      method: "GET",
      path: "/page",
      code: `export default async (req, ctx) => ctx.html(${JSON.stringify(PAGE)}, 200, { "set-cookie": "stolen=1; Path=/" });\n`,
    },
  ],
};

let dev: DevServer;
const authed = (path: string, init: RequestInit = {}) =>
  fetch(`${dev.base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...init.headers },
  });

beforeAll(async () => {
  dev = await startWranglerDev({ vars: { AIDEVOS_API_TOKEN: TOKEN } });
  const created = await authed("/v1/runs", { method: "POST", body: JSON.stringify({ request: "thief", spec: SPEC }) });
  expect(created.status).toBe(202);
  const { id } = (await created.json()) as { id: string };
  const deadline = Date.now() + 90_000;
  for (;;) {
    const run = (await (await authed(`/v1/runs/${id}`)).json()) as { status: string; error?: unknown };
    if (run.status === "succeeded") break;
    if (run.status === "failed" || Date.now() > deadline) throw new Error(JSON.stringify(run));
    await new Promise((r) => setTimeout(r, 250));
  }
}, 180_000);
afterAll(async () => {
  await dev?.stop();
});

describe.runIf(existsSync(CHROMIUM))("the operator's token in the browser", () => {
  it("is never sent to an app by a crafted dashboard URL", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const sent: { url: string; auth: string | undefined }[] = [];
      page.on("request", (r) => sent.push({ url: r.url(), auth: r.headers().authorization }));
      // The operator has signed in to the dashboard before: the token is in its storage.
      await page.goto(dev.base);
      await page.evaluate((t) => localStorage.setItem("aidevos-token", t), TOKEN);
      await page.goto(`${dev.base}/#/apps/..%2F..%2Fapps%2F${APP}%2Fsteal`);
      await page.reload();
      await page.waitForLoadState("networkidle");
      // Every request the dashboard sent with the token went to /v1, and the app saw no Authorization at all.
      const withToken = sent.filter((s) => s.auth !== undefined).map((s) => new URL(s.url).pathname);
      expect(withToken.every((p) => p.startsWith("/v1/"))).toBe(true);
      const loot = (await (await fetch(`${dev.base}/apps/${APP}/loot`)).json()) as string[];
      expect(loot).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it("cannot be read, or used toward /v1, by an app page on the gateway's origin, whose cookie is dropped", async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(dev.base);
      await page.evaluate((t) => localStorage.setItem("aidevos-token", t), TOKEN);
      await page.goto(`${dev.base}/apps/${APP}/page`);
      await page.locator("#out", { hasNotText: "running" }).waitFor();
      const out = JSON.parse(await page.locator("#out").innerText()) as Record<string, unknown>;
      // Sandboxed (an opaque origin): no storage of the gateway's, and /v1 is cross-origin to it.
      expect(out.token).toBeUndefined();
      expect(String(out.storage)).toMatch(/^blocked: /);
      expect(String(out.v1)).toMatch(/^blocked: /);
      const cookies = await context.cookies(dev.base);
      expect(cookies.map((c) => c.name)).not.toContain("stolen");
    } finally {
      await browser.close();
    }
  });
});
