// Proves the people's interfaces against `wrangler dev`: the CLI (exit codes, --json, live progress) and the dashboard in headless Chromium.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, launchChromium } from "./chromium";
import { type DevServer, devCli, startWranglerDev } from "./wrangler-dev";

const ARTIFACTS = resolve(__dirname, "../../test-results");
const CLI = resolve(__dirname, "../../tools/cli/src/main.ts");

let dev: DevServer;
beforeAll(async () => {
  dev = await startWranglerDev();
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await dev?.stop();
});

const cli = (...args: string[]) => devCli(dev, args);

function specFile(name: string, extra: Record<string, unknown> = {}): string {
  const file = join(tmpdir(), `${name}.json`);
  const spec = {
    name,
    entities: [{ name: "item", plural: "items", fields: { label: { type: "string", required: true }, ...extra } }],
  };
  writeFileSync(file, JSON.stringify(spec));
  return file;
}

describe("the CLI", () => {
  it("submits a spec, shows progress per stage and prints the app URL", async () => {
    const name = `cli-${Date.now().toString(36)}`;
    const { code, stdout } = await cli("submit", "an inventory", "--spec", specFile(name));
    expect(code).toBe(0);
    expect(stdout).toContain("[planning] planning started");
    expect(stdout).toContain("[deploy] deploy succeeded");
    expect(stdout).toContain("✓ planning  ✓ codegen  ✓ testing  ✓ deploy  ✓ monitoring  ✓ learning");
    expect(stdout).toContain(`app: ${dev.base}/apps/${name}/`);

    const v2 = await cli(
      "submit",
      "v2",
      "--spec",
      specFile(name, { count: { type: "integer", default: 0 } }),
      "--json",
    );
    expect(v2.code).toBe(0);
    expect(JSON.parse(v2.stdout).app.version).toBe(2);

    const apps = await cli("apps", "--json");
    expect(JSON.parse(apps.stdout).items.map((a: { name: string }) => a.name)).toContain(name);
    const runs = await cli("runs");
    expect(runs.stdout).toMatch(/^ID\s+STATUS/);
    const back = await cli("rollback", name);
    expect(back).toMatchObject({ code: 0 });
    expect(back.stdout.trim()).toBe(`${name}: v2 → v1`);
    expect((await cli("errors", name)).stdout.trim()).toBe("no errors");

    // The live version's contract, and the gate on breaking it.
    const doc = JSON.parse((await cli("openapi", name)).stdout);
    expect(doc).toMatchObject({ openapi: "3.1.0", info: { title: name, version: "1" } });
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/items", "/items/{id}"]));
    const required = specFile(name, { count: { type: "integer", required: true } });
    const refused = await cli("submit", "v3", "--spec", required);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("error: breaking_change: ");
    expect(refused.stdout).toContain("items.count: field count (integer, required) added");
    expect((await cli("submit", "v3", "--spec", required, "--allow-breaking")).code).toBe(0);
  });

  it("prints a perKey app's address with a key placeholder a person can fill in, not %7Bkey%7D", async () => {
    const name = `cli-perkey-${Date.now().toString(36)}`;
    const file = join(tmpdir(), `${name}.json`);
    const spec = {
      name,
      partition: "perKey",
      entities: [{ name: "item", plural: "items", fields: { label: { type: "string", required: true } } }],
    };
    writeFileSync(file, JSON.stringify(spec));
    const { code, stdout } = await cli("submit", "items per team", "--spec", file);
    expect(code).toBe(0);
    expect(stdout).not.toContain("%7B");
    expect(stdout).toContain(
      `app: ${dev.base}/apps/${name}/k/<key>/ (each key keeps its own data: put one in place of <key>)`,
    );
    // The address works once a key is put in.
    const made = await fetch(`${dev.base}/apps/${name}/k/team-a/items`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ label: "first" }),
    });
    expect(made.status).toBe(201);
  });

  it("exits 1 when the run fails and 2 on bad usage or API errors", async () => {
    const failed = await cli("submit", "broken", "--replay", "refine-stalls");
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("error: refine_stalled");
    const usage = await cli("frobnicate");
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('unknown command "frobnicate"');
    const api = await cli("submit", "no spec offline");
    expect(api.code).toBe(2);
    expect(api.stderr).toContain("offline_needs_spec");
  });

  it("fills each action's code from --actions DIR/<action>.js, and refuses a missing or stray file", async () => {
    const name = `cli-act-${Date.now().toString(36)}`;
    const dir = join(tmpdir(), name);
    mkdirSync(dir, { recursive: true });
    const spec = join(dir, "app.json");
    writeFileSync(
      spec,
      JSON.stringify({ name, entities: [], actions: [{ name: "hello", method: "GET", path: "/hello/:who" }] }),
    );
    const code = join(dir, "code");
    mkdirSync(code, { recursive: true });
    const missing = await cli("submit", "hello", "--spec", spec, "--actions", code);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining("no hello.js for action hello") });
    writeFileSync(join(code, "helo.js"), "export default () => 1;");
    const stray = await cli("submit", "hello", "--spec", spec, "--actions", code);
    expect(stray).toMatchObject({ code: 2, stderr: expect.stringContaining("helo.js name(s) no action") });
    rmSync(join(code, "helo.js"));
    writeFileSync(join(code, "hello.js"), 'export default async (req, ctx) => ctx.text("hi " + ctx.params.who);\n');
    const ok = await cli("submit", "hello", "--spec", spec, "--actions", code);
    expect(ok.code).toBe(0);
    const res = await fetch(`${dev.base}/apps/${name}/hello/ann`);
    expect(await res.text()).toBe("hi ann");
  });

  it("sets a secret from stdin, and creates, lists and revokes app keys", async () => {
    const name = `cli-keys-${Date.now().toString(36)}`;
    const file = join(tmpdir(), `${name}.json`);
    const spec = {
      name,
      access: "key",
      secrets: ["GREETING"],
      entities: [],
      actions: [
        {
          name: "hello",
          method: "GET",
          path: "/hello",
          code: "export default async (req, ctx) => ctx.text(ctx.secrets.GREETING ?? 'unset');",
        },
      ],
    };
    writeFileSync(file, JSON.stringify(spec));
    expect((await cli("submit", "greeter", "--spec", file)).code).toBe(0);
    const set = await new Promise<{ code: number | null; stdout: string }>((done) => {
      const child = execFile(
        process.execPath,
        [CLI, "secrets", "set", name, "GREETING", "--url", dev.base],
        (err, stdout) => done({ code: err ? (err as { code: number }).code : 0, stdout }),
      );
      child.stdin?.end("hej från stdin\n");
    });
    expect(set).toEqual({ code: 0, stdout: `${name}: GREETING set\n` });
    const listed = await cli("secrets", "list", name);
    expect(listed.stdout).toMatch(/^GREETING\tset /);
    expect(listed.stdout).not.toContain("hej");

    const created = JSON.parse((await cli("keys", "create", name, "--json")).stdout);
    const hello = () =>
      fetch(`${dev.base}/apps/${name}/hello`, { headers: { authorization: `Bearer ${created.key}` } });
    const res = await hello();
    expect(await res.text()).toBe("hej från stdin");
    expect((await cli("keys", "list", name)).stdout).toContain(created.id);
    expect((await cli("keys", "list", name)).stdout).not.toContain(created.key);
    expect((await cli("keys", "revoke", name, created.id)).code).toBe(0);
    expect((await hello()).status).toBe(401);
    expect((await cli("keys", "revoke", name)).code).toBe(2);
  });
});

describe.runIf(existsSync(CHROMIUM))("the dashboard in Chromium", () => {
  it("submits an AppSpec, watches the run deploy, and shows the app's metrics move", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const name = `web-${Date.now().toString(36)}`;
      await page.goto(dev.base);
      await page.getByLabel("What should it do?").fill("A shopping list");
      await page.getByLabel(/AppSpec/).fill(
        JSON.stringify({
          name,
          entities: [{ name: "thing", plural: "things", fields: { what: { type: "string", required: true } } }],
          actions: [
            {
              name: "howMany",
              method: "GET",
              path: "/count",
              code: "export default async (req, ctx) => ({ things: (await ctx.entities.things.list()).items.length });",
              examples: [{ path: "/count", status: 200, json: { things: 0 } }],
            },
          ],
        }),
      );
      await page.getByRole("button", { name: "Start run" }).click();
      await page.locator("#run-status .succeeded").waitFor({ timeout: 60_000 });
      await page.getByRole("cell", { name: "learning" }).waitFor();
      await page.locator("#log", { hasText: "run succeeded" }).waitFor();
      expect(await page.locator("#log").innerText()).toContain("[deploy] deploy succeeded");
      expect(await page.locator("#tests").innerText()).toMatch(/integration\s+ok/);
      await page.locator("#files summary", { hasText: "app.js" }).click();
      expect(await page.locator("#files .tok-kw").count()).toBeGreaterThan(10);
      await page.screenshot({ path: join(ARTIFACTS, "run.png"), fullPage: true });

      await page.getByRole("link", { name: `${name} v1` }).click();
      await page.locator("#totals").waitFor();
      // The app's actions, and the examples its run played, with their results.
      await page.locator("#examples", { hasText: "howMany example 1: GET /count" }).waitFor();
      expect(await page.locator("#actions").innerText()).toContain("GET /count");
      expect(await page.locator("#examples").innerText()).toContain("1 passed, 0 failed");
      for (let i = 0; i < 8; i++) {
        await fetch(`${dev.base}/apps/${name}/things`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ what: `thing ${i}` }),
        });
      }
      await page.waitForFunction(
        () =>
          /^(\d+) requests/.test(document.getElementById("totals")?.textContent ?? "") &&
          Number.parseInt(document.getElementById("totals")!.textContent!, 10) >= 8,
        null,
        {
          timeout: 20_000,
        },
      );
      expect(await page.locator("#charts svg").count()).toBe(2);
      await page.locator("#usage", { hasText: "POST /things" }).waitFor();
      await page.screenshot({ path: join(ARTIFACTS, "app.png"), fullPage: true });

      await page.getByRole("link", { name: "Knowledge" }).click();
      await page.getByLabel("Search").fill("concurrent increments");
      await page.getByLabel("Search").press("Enter");
      await page.locator("#entries", { hasText: "Atomic counters with one upsert" }).waitFor();
      await page.screenshot({ path: join(ARTIFACTS, "knowledge.png"), fullPage: true });

      await page.goto(`${dev.base}/docs`);
      await page.getByText("/v1/runs/{id}/events").first().waitFor();

      // The app's own docs, linked from its page, rendered from its generated document.
      await page.goto(`${dev.base}/#/apps/${name}`);
      await page.locator("#contract", { hasText: "first version" }).waitFor();
      await page.getByRole("link", { name: `${name} API docs` }).click();
      await page.getByRole("heading", { name: `${name} API (version 1)` }).waitFor();
      await page.getByText("/count").first().waitFor();
      expect(await page.locator("#ops").innerText()).toContain("/things/{id}");
    } finally {
      await browser.close();
    }
  });

  it("sets a secret by name (its value never shown) and creates a key shown once, then revokes it", async () => {
    const name = `web-keys-${Date.now().toString(36)}`;
    const file = join(tmpdir(), `${name}.json`);
    const code = "export default async (req, ctx) => ctx.text(ctx.secrets.MOTTO ?? 'unset');";
    const spec = {
      name,
      access: "key",
      secrets: ["MOTTO"],
      entities: [],
      actions: [{ name: "motto", method: "GET", path: "/motto", code }],
    };
    writeFileSync(file, JSON.stringify(spec));
    expect((await cli("submit", "motto", "--spec", file)).code).toBe(0);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(`${dev.base}/#/apps/${name}`);
      await page.locator("#secret-list", { hasText: "MOTTO" }).waitFor();
      expect(await page.locator("#secret-list").innerText()).toContain("unset");
      await page.getByLabel("Name", { exact: true }).fill("MOTTO");
      await page.getByLabel("Value", { exact: true }).fill("carpe diem 7781");
      await page.getByRole("button", { name: "Set secret" }).click();
      await page.locator("#secret-message", { hasText: "MOTTO set." }).waitFor();
      await page.locator("#secret-list .status.set").waitFor();
      expect(await page.content()).not.toContain("carpe diem 7781");

      await page.getByRole("button", { name: "Create key" }).click();
      const key = await page.locator("#key-value").innerText();
      const motto = () => fetch(`${dev.base}/apps/${name}/motto`, { headers: { authorization: `Bearer ${key}` } });
      expect(await (await motto()).text()).toBe("carpe diem 7781");
      await page.screenshot({ path: join(ARTIFACTS, "access.png"), fullPage: true });
      await page.getByRole("button", { name: "Revoke" }).click();
      await page.locator("#key-list", { hasText: "No keys." }).waitFor();
      expect((await motto()).status).toBe(401);
    } finally {
      await browser.close();
    }
  });
});
