// Proves no password, hash or session token leaks after runs that sign up and log in: the run, its
// events and test report (a failing example whose answer held a token included), the app as the API
// returns it (example passwords read ***), its OpenAPI document, feed, error groups and users list; and an
// error group of an action that throws or answers 500 with a user's token in its message shows *** instead.
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, startRun, uniqueName, waitForRun } from "../support/api";
import { until } from "../support/websocket";

const PASSWORD = "hunter2-correct-horse";
const TOKEN = /aus_[0-9a-f]{64}/;

function spec(name: string, failing: boolean): AppSpecInput {
  return {
    name,
    accounts: {},
    entities: [{ name: "note", plural: "notes", owner: "user", fields: { text: { type: "string" } } }],
    performance: { p95Ms: 10_000 },
    examples: [
      {
        method: "POST",
        path: "/auth/signup",
        body: { email: "a@example.com", password: PASSWORD },
        status: 201,
        save: { t: "token" },
      },
      {
        method: "POST",
        path: "/auth/login",
        body: { email: "a@example.com", password: PASSWORD },
        status: failing ? 418 : 200,
      },
      { method: "POST", path: "/notes", headers: { authorization: "Bearer {{t}}" }, body: { text: "x" }, status: 201 },
    ],
  };
}

async function text(path: string): Promise<string> {
  return (await api(path)).text();
}

function expectClean(what: string, body: string) {
  expect(body, what).not.toContain(PASSWORD);
  expect(body, what).not.toMatch(TOKEN);
  expect(body, what).not.toContain("pbkdf2");
}

describe("accounts: nothing leaks", () => {
  it("a failing example's report shows neither the password nor the token its answer held", async () => {
    const name = uniqueName("leak");
    const run = await waitForRun((await startRun({ request: "notes", spec: spec(name, true) })).id, 30_000);
    expect(run.status).toBe("failed");
    const tests = await text(`/v1/runs/${run.id}/tests`);
    expect(tests).toContain("***");
    for (const [what, body] of [
      ["run", await text(`/v1/runs/${run.id}`)],
      ["events", await text(`/v1/runs/${run.id}/events`)],
      ["tests", tests],
    ] as const)
      expectClean(what, body);
  });

  it("an error group of app code that puts a user's token in its error shows *** instead", {
    timeout: 120_000,
  }, async () => {
    const name = uniqueName("errtok");
    const run = await waitForRun(
      (
        await startRun({
          request: "notes",
          spec: {
            ...spec(name, false),
            actions: [
              {
                name: "boom",
                method: "GET",
                path: "/boom",
                code: 'export default async (req) => { throw new Error("no luck for " + req.headers.get("authorization")); };',
              },
              {
                name: "echo",
                method: "GET",
                path: "/echo",
                code: 'export default async (req, ctx) => ctx.text("down for " + req.headers.get("authorization"), 503);',
              },
            ],
          },
        })
      ).id,
      30_000,
    );
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    const signup = await api(`/apps/${name}/auth/signup`, {
      method: "POST",
      json: { email: "c@example.com", password: PASSWORD },
    });
    const { token } = (await signup.json()) as { token: string };
    expect((await api(`/apps/${name}/boom`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(500);
    expect((await api(`/apps/${name}/echo`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(503);
    const groups = await until(
      async () => (await (await api(`/v1/apps/${name}/errors`)).json()) as { items: { message: string }[] },
      (g) => g.items.length >= 2,
      "both error groups",
      () => "",
      60_000,
    );
    const text = JSON.stringify(groups);
    expect(text).toContain("Bearer ***");
    expect(text).not.toContain(token);
    expectClean("errors", text);
    expectClean("feed", await (await api(`/v1/apps/${name}/feed`)).text());
  });

  it("a deployed app's spec, OpenAPI document, feed, errors and users show no password, hash or token", async () => {
    const name = uniqueName("clean");
    const run = await waitForRun((await startRun({ request: "notes", spec: spec(name, false) })).id, 30_000);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    const signup = await api(`/apps/${name}/auth/signup`, {
      method: "POST",
      json: { email: "b@example.com", password: PASSWORD },
    });
    const { token } = (await signup.json()) as { token: string };
    await api(`/apps/${name}/auth/login`, { method: "POST", json: { email: "b@example.com", password: PASSWORD } });
    await api(`/apps/${name}/auth/login`, {
      method: "POST",
      json: { email: "b@example.com", password: `${PASSWORD}x` },
    });
    await api(`/apps/${name}/notes`, { headers: { authorization: `Bearer ${token}` } });
    const app = await text(`/v1/apps/${name}`);
    expect(app).toContain('"password":"***"');
    for (const [what, body] of [
      ["run", await text(`/v1/runs/${run.id}`)],
      ["events", await text(`/v1/runs/${run.id}/events`)],
      ["tests", await text(`/v1/runs/${run.id}/tests`)],
      ["app", app],
      ["openapi", await text(`/apps/${name}/openapi.json`)],
      ["feed", await text(`/v1/apps/${name}/feed`)],
      ["errors", await text(`/v1/apps/${name}/errors`)],
      ["users", await text(`/v1/apps/${name}/users`)],
    ] as const) {
      expectClean(what, body);
      expect(body, what).not.toContain(token);
    }
  });
});
