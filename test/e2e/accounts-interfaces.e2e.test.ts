// Proves an app's accounts in the people's interfaces against `wrangler dev`. The CLI: `aidevos users` creates
// end users with the password read from stdin (never printed), lists them (text and --json, paged, no hashes),
// deletes them (their sessions stop), needs --key for a perKey app's tenant, and exits 2 with the API's error
// (409, 400, 404) or on bad usage. The dashboard in Chromium: the count, a page of users, create and delete,
// which entities are owned, per tenant in a perKey app; app text (account fields) shown as text, never markup;
// every users call goes to the app's own /v1 path. The server's log holds no password, hash or token.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM, launchChromium } from "./chromium";
import { type DevServer, devCli, startWranglerDev } from "./wrangler-dev";

const ARTIFACTS = resolve(__dirname, "../../test-results");

let dev: DevServer;
beforeAll(async () => {
  dev = await startWranglerDev();
  mkdirSync(ARTIFACTS, { recursive: true });
});
afterAll(async () => {
  await dev?.stop();
});

/** The CLI as a user runs it, with `stdin` piped in (the password of `users create`). */
const cli = (args: string[], stdin = "") => devCli(dev, args, stdin);

async function deploy(spec: Record<string, unknown>): Promise<void> {
  const file = join(tmpdir(), `${spec.name}.json`);
  writeFileSync(file, JSON.stringify(spec));
  const submitted = await cli(["submit", "accounts", "--spec", file]);
  expect(submitted.stderr).toBe("");
  expect(submitted.code).toBe(0);
}

function accountsSpec(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    accounts: { signup: "closed", fields: { handle: { type: "string", unique: true } } },
    entities: [{ name: "note", plural: "notes", owner: "user", fields: { text: { type: "string" } } }],
    performance: { p95Ms: 10_000 },
    ...extra,
  };
}

const login = (base: string, email: string, password: string) =>
  fetch(`${dev.base}${base}/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });

describe("aidevos users", () => {
  it("creates (password from stdin), lists and deletes an app's users", async () => {
    const name = `cli-users-${Date.now().toString(36)}`;
    await deploy(accountsSpec(name));
    const password = "correct horse battery";

    const made = await cli(
      ["users", "create", name, "Ann@Example.com", "--fields", '{"handle":"ann"}'],
      `${password}\n`,
    );
    expect(made.stderr).toBe("");
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(new RegExp(`^${name}: user \\S+ \\(ann@example\\.com\\) created\\n$`));
    expect(made.stdout).not.toContain(password);
    const bob = JSON.parse(
      (await cli(["users", "create", name, "bob@example.com", "--json"], "bob's password\n")).stdout,
    );
    expect(bob).toEqual({
      id: expect.any(String),
      email: "bob@example.com",
      createdAt: expect.any(String),
      handle: null,
    });
    // The password read from stdin is the one the user signs in with (its trailing newline dropped).
    const session = await login(`/apps/${name}`, "ann@example.com", password);
    expect(session.status).toBe(200);
    const { token, user: ann } = (await session.json()) as { token: string; user: { id: string } };

    const listed = await cli(["users", "list", name]);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split("\n")[0]).toMatch(new RegExp(`^${ann.id}\\tann@example\\.com\\t\\d{4}-`));
    expect(listed.stdout).toContain(`${bob.id}\tbob@example.com`);
    expect(listed.stdout).toContain("2 of 2 users");
    expect(listed.stdout).not.toMatch(/pbkdf2|password/i);
    const page = JSON.parse((await cli(["users", "list", name, "--limit", "1", "--json"])).stdout);
    expect(page).toMatchObject({ items: [{ id: ann.id, handle: "ann" }], nextCursor: expect.any(String), total: 2 });
    const next = JSON.parse(
      (await cli(["users", "list", name, "--limit", "1", "--cursor", page.nextCursor, "--json"])).stdout,
    );
    expect(next).toMatchObject({ items: [{ id: bob.id }], nextCursor: null });

    // The API's refusals are the CLI's errors, exit 2: a taken unique field, a short password, an unknown id.
    const taken = await cli(
      ["users", "create", name, "carl@example.com", "--fields", '{"handle":"ann"}'],
      "long enough 1\n",
    );
    expect(taken).toMatchObject({ code: 2, stderr: expect.stringContaining("error (409 conflict)") });
    const short = await cli(["users", "create", name, "dan@example.com"], "short\n");
    expect(short).toMatchObject({ code: 2, stderr: expect.stringContaining("error (400 validation_failed)") });
    expect(short.stderr).toContain("password");
    expect(short.stderr).not.toContain("short\n");

    const deleted = await cli(["users", "delete", name, ann.id]);
    expect(deleted).toMatchObject({
      code: 0,
      stdout: `${name}: user ${ann.id} deleted (with their sessions and records)\n`,
    });
    const me = await fetch(`${dev.base}/apps/${name}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(401);
    expect(await cli(["users", "delete", name, ann.id])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("error (404 not_found)"),
    });
    expect((await cli(["users", "list", name])).stdout).toBe(
      `${bob.id}\tbob@example.com\t${bob.createdAt}\n1 of 1 users\n`,
    );
    // The server's own log (wrangler dev's output: the Worker's console and workerd's) holds no password,
    // hash or token after these signups, logins and deletes.
    const log = dev.output();
    expect(log).not.toContain(password);
    expect(log).not.toContain("bob's password");
    expect(log).not.toContain(token);
    expect(log).not.toMatch(/aus_[0-9a-f]{64}|pbkdf2-sha256:/);
  });

  it("needs --key for a perKey app, and keeps each tenant's users apart", async () => {
    const name = `cli-tenants-${Date.now().toString(36)}`;
    await deploy(accountsSpec(name, { partition: "perKey" }));
    const without = await cli(["users", "list", name]);
    expect(without).toMatchObject({ code: 2, stderr: expect.stringContaining("error (400 validation_failed)") });
    expect(without.stderr).toContain("add ?key=");
    const made = await cli(["users", "create", name, "ann@example.com", "--key", "acme"], "acme's password\n");
    expect(made.code).toBe(0);
    expect((await login(`/apps/${name}/k/acme`, "ann@example.com", "acme's password")).status).toBe(200);
    expect((await login(`/apps/${name}/k/globex`, "ann@example.com", "acme's password")).status).toBe(401);
    expect((await cli(["users", "list", name, "--key", "acme"])).stdout).toContain("ann@example.com");
    expect((await cli(["users", "list", name, "--key", "globex"])).stdout).toBe("no users\n");
  });

  it("exits 2 with the usage on a bad call, before anything is sent", async () => {
    for (const args of [
      ["users"],
      ["users", "list"],
      ["users", "create", "app"],
      ["users", "delete", "app"],
      ["users", "frob", "app"],
    ]) {
      const bad = await cli(args);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("usage: aidevos users list <app>");
    }
    const fields = await cli(["users", "create", "app", "a@b.io", "--fields", "[1]"], "x\n");
    expect(fields).toMatchObject({ code: 2, stderr: expect.stringContaining("--fields must be a JSON object") });
  });
});

describe.runIf(existsSync(CHROMIUM))("an app's accounts in the dashboard (Chromium)", () => {
  it("counts, lists a page at a time, creates and deletes users, and shows which entities are owned", async () => {
    const name = `web-users-${Date.now().toString(36)}`;
    await deploy(
      accountsSpec(name, {
        entities: [
          { name: "note", plural: "notes", owner: "user", fields: { text: { type: "string" } } },
          { name: "post", plural: "posts", owner: "user", read: "public", fields: { text: { type: "string" } } },
          { name: "tag", plural: "tags", fields: { label: { type: "string" } } },
        ],
      }),
    );
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const calls: string[] = [];
      page.on("request", (r) => {
        const url = new URL(r.url());
        if (url.pathname.includes("/users")) calls.push(`${r.method()} ${url.pathname}`);
      });
      page.on("dialog", (d) => void d.accept());
      await page.goto(`${dev.base}/#/apps/${name}`);
      const section = page.locator("#accounts-section");
      await section.locator("#user-count", { hasText: "0 user(s)." }).waitFor();
      const owned = await section.locator("table").first().innerText();
      expect(owned).toMatch(/notes \(owned by users\)\s+its owner only\s+its owner only/);
      expect(owned).toMatch(/posts \(owned by users\)\s+anyone\s+its owner only/);
      expect(owned).not.toContain("tags");
      expect(await section.innerText()).toContain("Signup is closed");

      // An account field holding markup is shown as text: nothing of it runs.
      const markup = '<img src=x onerror="window.__pwned=1">';
      await page.getByLabel("Email", { exact: true }).fill("Ann@Example.com");
      await page.getByLabel("Password", { exact: true }).fill("dashboard password 1");
      await page.getByLabel(/^Fields/).fill(JSON.stringify({ handle: markup }));
      await page.getByRole("button", { name: "Create user" }).click();
      await page.locator("#user-message", { hasText: "Created ann@example.com." }).waitFor();
      await section.locator("#user-count", { hasText: "1 user(s)." }).waitFor();
      expect(await page.locator("#user-list").innerText()).toContain(markup);
      expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.getByLabel("Password", { exact: true }).inputValue()).toBe("");
      expect(await page.content()).not.toContain("dashboard password 1");
      const session = await login(`/apps/${name}`, "ann@example.com", "dashboard password 1");
      expect(session.status).toBe(200);
      const { token } = (await session.json()) as { token: string };

      // The API's refusal is shown as it is (a short password), and nothing is created.
      await page.getByLabel("Email", { exact: true }).fill("bo@example.com");
      await page.getByLabel("Password", { exact: true }).fill("short");
      await page.getByRole("button", { name: "Create user" }).click();
      await page.locator("#user-message", { hasText: /password/ }).waitFor();
      await section.locator("#user-count", { hasText: "1 user(s)." }).waitFor();

      // A page is 20 users: 21 more make a second page.
      for (let i = 0; i < 21; i++) {
        const made = await fetch(`${dev.base}/v1/apps/${name}/users`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: `u${String(i).padStart(2, "0")}@example.com`, password: `password ${i} long` }),
        });
        expect(made.status).toBe(201);
      }
      await page.reload();
      await section.locator("#user-count", { hasText: "22 user(s)." }).waitFor();
      expect(await page.locator("#user-list tbody tr").count()).toBe(20);
      await page.getByRole("button", { name: "Next page" }).click();
      await page.locator("#user-list tbody tr", { hasText: "u20@example.com" }).waitFor();
      expect(await page.locator("#user-list tbody tr").count()).toBe(2);
      await page.getByRole("button", { name: "First page" }).click();
      await page.locator("#user-list tbody tr", { hasText: "ann@example.com" }).waitFor();

      await page.screenshot({ path: join(ARTIFACTS, "accounts.png"), fullPage: true });
      await page
        .locator("#user-list tr", { hasText: "ann@example.com" })
        .getByRole("button", { name: "Delete" })
        .click();
      await page.locator("#user-message", { hasText: "Deleted ann@example.com." }).waitFor();
      await section.locator("#user-count", { hasText: "21 user(s)." }).waitFor();
      expect(await page.locator("#user-list").innerText()).not.toContain("ann@example.com");
      const me = await fetch(`${dev.base}/apps/${name}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(401);
      // Every users call the page made went to this app's own management path.
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls)
        expect(call).toMatch(new RegExp(`^(GET|POST|DELETE) /v1/apps/${name}/users(/[0-9a-f-]{36})?$`));
    } finally {
      await browser.close();
    }
  });

  it("acts on the tenant key given in a perKey app", async () => {
    const name = `web-tenants-${Date.now().toString(36)}`;
    await deploy(accountsSpec(name, { partition: "perKey" }));
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(`${dev.base}/#/apps/${name}`);
      await page.locator("#user-count", { hasText: "Give a tenant key" }).waitFor();
      await page.getByLabel(/^Tenant key/).fill("acme");
      await page.getByRole("button", { name: "Show users" }).click();
      await page.locator("#user-count", { hasText: "0 user(s) in tenant acme." }).waitFor();
      await page.getByLabel("Email", { exact: true }).fill("ann@example.com");
      await page.getByLabel("Password", { exact: true }).fill("tenant password 1");
      await page.getByRole("button", { name: "Create user" }).click();
      await page.locator("#user-count", { hasText: "1 user(s) in tenant acme." }).waitFor();
      expect((await login(`/apps/${name}/k/acme`, "ann@example.com", "tenant password 1")).status).toBe(200);
      expect((await login(`/apps/${name}/k/globex`, "ann@example.com", "tenant password 1")).status).toBe(401);
      await page.getByLabel(/^Tenant key/).fill("globex");
      await page.getByRole("button", { name: "Show users" }).click();
      await page.locator("#user-count", { hasText: "0 user(s) in tenant globex." }).waitFor();
    } finally {
      await browser.close();
    }
  });
});
