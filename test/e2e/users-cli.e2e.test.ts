// Proves `aidevos users` against `wrangler dev`: the real CLI creates an app's end users with the password read
// from stdin (never printed), lists them (text and --json, paged, no hashes), deletes them (their sessions stop),
// needs --key for a perKey app's tenant, and exits 2 with the API's error (409, 400, 404) or on bad usage.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startWranglerDev } from "./wrangler-dev";

const CLI = resolve(__dirname, "../../tools/cli/src/main.ts");

let dev: DevServer;
beforeAll(async () => {
  dev = await startWranglerDev();
});
afterAll(async () => {
  await dev?.stop();
});

/** The CLI as a user runs it, with `stdin` piped in (the password of `users create`). */
function cli(args: string[], stdin = ""): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [CLI, ...args, "--url", dev.base], (err, stdout, stderr) =>
      done({ code: err ? Number((err as { code: number }).code) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin);
  });
}

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
