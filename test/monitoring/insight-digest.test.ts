// Proves the insights webhook digest: with AIDEVOS_ALERT_WEBHOOK_URL configured (vitest.config.ts points it at the
// loopback test/fakes/webhook-server.ts), a planted slow route and a validation-heavy route (real requests through the
// gateway, with an app key) found in different batches go out as ONE digest listing both with their evidence and
// drafted feedback requests, when the digest window closes (the monitor's alarm); nothing secret is in it (the app
// key, an app secret's value, the deployment's tokens), and a closed window sends nothing again.

import { env, runDurableObjectAlarm } from "cloudflare:test";
import { type AppSpecInput, FeedbackBody } from "@aidevos/core";
import { appMonitorOf } from "@aidevos/objects";
import { describe, expect, it } from "vitest";
import { api, json, putSecret, until } from "../access/support";
import { startRun, uniqueName, waitForRun } from "../support/api";

const settings = env as unknown as Record<string, string>;
const received = settings.AIDEVOS_ALERT_WEBHOOK_URL!.replace(/\/hook$/, "/received");
const APP_SECRET = "digest-secret-value-7f3a";

interface Digest {
  app: string;
  kind: string;
  message: string;
  insights: {
    kind: string;
    route: string;
    message: string;
    evidence: Record<string, unknown>;
    feedback: { app: string; message: string };
  }[];
}

async function hooksOf(app: string): Promise<Digest[]> {
  const all = (await (await fetch(received)).json()) as Digest[];
  return all.filter((h) => h.app === app);
}

function spec(name: string): AppSpecInput {
  return {
    name,
    access: "key",
    secrets: ["SIGNING_KEY"],
    performance: { p95Ms: 500 },
    entities: [{ name: "note", plural: "notes", fields: { text: { type: "string", required: true, minLength: 1 } } }],
  };
}

describe("the insights webhook digest", () => {
  it("sends one digest with the slow route and the validation-heavy route, their evidence and drafts, and no secret", async () => {
    const name = uniqueName("digest");
    const run = await waitForRun((await startRun({ request: "notes", spec: spec(name) })).id, 30_000);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    expect((await putSecret(name, "SIGNING_KEY", APP_SECRET)).ok).toBe(true);
    const { key } = await json(await api(`/v1/apps/${name}/keys`, { method: "POST" }));
    const auth = { authorization: `Bearer ${key}` };

    // Validation-heavy: real requests, 16 of 22 refused for an empty text.
    for (let i = 0; i < 16; i++)
      expect((await api(`/apps/${name}/notes`, { method: "POST", json: { text: "" }, headers: auth })).status).toBe(
        400,
      );
    for (let i = 0; i < 6; i++)
      await api(`/apps/${name}/notes`, { method: "POST", json: { text: `n${i}` }, headers: auth });
    const feedOf = async () =>
      (await json<{ items: { kind: string }[] }>(await api(`/v1/apps/${name}/feed`))).items.filter(
        (f) => f.kind === "insight",
      );
    expect(await until(feedOf, (items) => items.length >= 1)).toHaveLength(1);

    // Slow: planted as a later batch of the gateway's records, far over the 500 ms budget.
    const now = Date.now();
    await appMonitorOf(env, name).record(
      name,
      Array.from({ length: 25 }, (_, i) => ({
        at: now - i,
        version: 1,
        method: "GET",
        route: "GET /notes/{id}",
        status: 200,
        ms: 900,
        key: null,
      })),
    );
    expect(await until(feedOf, (items) => items.length >= 2)).toHaveLength(2);

    // The digest window closes: one digest with both.
    expect(await runDurableObjectAlarm(appMonitorOf(env, name))).toBe(true);
    const digests = await hooksOf(name);
    expect(digests).toHaveLength(1);
    const [digest] = digests;
    expect(digest!.kind).toBe("insight_digest");
    expect(digest!.message).toContain("2 new insight(s)");
    const byKind = Object.fromEntries(digest!.insights.map((i) => [i.kind, i]));
    expect(Object.keys(byKind).sort()).toEqual(["slow_route", "validation_heavy_route"]);
    expect(byKind.slow_route).toMatchObject({
      route: "GET /notes/{id}",
      evidence: { budgetMs: 500, requests: 25 },
    });
    expect(byKind.slow_route!.evidence.p95Ms).toBeGreaterThan(500);
    expect(byKind.validation_heavy_route).toMatchObject({
      route: "POST /notes",
      evidence: { requests: 22, clientErrors: 16 },
    });
    expect(Object.keys(byKind.validation_heavy_route!.evidence.invalidFields as object)[0]).toContain("text");
    // Each with a drafted feedback request as POST /v1/feedback takes it.
    expect(FeedbackBody.parse(byKind.slow_route!.feedback)).toEqual({
      app: name,
      message: expect.stringContaining("Make GET /notes/{id} faster"),
    });
    expect(FeedbackBody.parse(byKind.validation_heavy_route!.feedback).message).toContain("text");

    // Nothing secret: not the app key, not the app's secret, not the deployment's tokens.
    const text = JSON.stringify(digests);
    for (const secret of [key, APP_SECRET, settings.CLOUDFLARE_API_TOKEN!]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/authorization|bearer/i);

    // The window is closed: no alarm left, and nothing is sent twice.
    expect(await runDurableObjectAlarm(appMonitorOf(env, name))).toBe(false);
    expect(await hooksOf(name)).toHaveLength(1);
  });
});
