// Proves no end user's password, hash or session token reaches a model (issue 29, Security): after a model-built
// accounts app is live and users sign up, log in, fail a login, use their token and make an error group whose
// answer echoed the token, a feedback run on the app sends the loopback Anthropic API none of them (every call of
// both runs scanned).
import { AppSpec } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { until } from "../access/support";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";
import { fakeModel, planning } from "./support";

const { script, sent } = fakeModel("sk-ant-fake-models");
const LIVE_PASSWORD = "live-user-password-7Hq2";

function accountsApp(name: string) {
  return AppSpec.parse({
    name,
    performance: { p95Ms: 10_000 },
    accounts: {},
    entities: [{ name: "note", plural: "notes", owner: "user", fields: { text: { type: "string", required: true } } }],
    actions: [
      {
        name: "echo",
        method: "GET",
        path: "/echo",
        code: 'export default async (req, ctx) => ctx.text("down for " + req.headers.get("authorization"), 503);',
      },
    ],
  });
}

describe("accounts and prompts", () => {
  it("a feedback run on a live accounts app sends a model no user's password, hash or token", {
    timeout: 120_000,
  }, async () => {
    const name = uniqueName("acctprompt");
    await script(planning(accountsApp(name)));
    const run = await waitForRun((await startRun({ request: "private notes with accounts" })).id, 30_000);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");

    const base = `/apps/${name}`;
    const signup = await json(
      await api(`${base}/auth/signup`, {
        method: "POST",
        json: { email: "live@example.com", password: LIVE_PASSWORD },
      }),
    );
    const { token } = signup as { token: string };
    expect(token).toMatch(/^aus_/);
    expect(
      (
        await api(`${base}/auth/login`, {
          method: "POST",
          json: { email: "live@example.com", password: LIVE_PASSWORD },
        })
      ).status,
    ).toBe(200);
    await api(`${base}/auth/login`, {
      method: "POST",
      json: { email: "live@example.com", password: `${LIVE_PASSWORD}x` },
    });
    const auth = { authorization: `Bearer ${token}` };
    expect((await api(`${base}/notes`, { method: "POST", json: { text: "mine" }, headers: auth })).status).toBe(201);
    expect((await api(`${base}/echo`, { headers: auth })).status).toBe(503);
    await until(
      async () => (await json<{ items: unknown[] }>(await api(`/v1/apps/${name}/errors`))).items,
      (items) => items.length > 0,
    );

    await script(planning(accountsApp(name)));
    const started = await api("/v1/feedback", {
      method: "POST",
      json: { app: name, message: "Fix the 503 on GET /echo: answer who is signed in instead" },
    });
    expect(started.status).toBe(202);
    await waitForRun((await json(started)).id, 30_000);
    const prompts = JSON.stringify(await sent());
    // The feedback run's planning call carried the live app.
    expect(prompts).toContain(name);
    expect(prompts).toContain("Fix the 503 on GET /echo");
    expect(prompts).not.toContain(LIVE_PASSWORD);
    expect(prompts).not.toContain(token);
    expect(prompts).not.toMatch(/aus_[0-9a-f]{64}/);
    expect(prompts).not.toContain("pbkdf2");
  });
});
