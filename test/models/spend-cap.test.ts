// Proves the daily spend cap (issue 27, attack 3: no cap per day): a run against the loopback Anthropic API spends
// (its calls' tokens priced as the models' list prices), the spend reaches AIDEVOS_DAILY_SPEND_USD, and from then on slow
// traffic that would start an automatic refine run is held back with the cap named in the app's feed (no run starts),
// and a new run is refused with 429 spend_cap_reached. The cap is set just above what was spent before this test.

import { env } from "cloudflare:test";
import { appMonitorOf } from "@aidevos/objects";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";
import { answer, COUNT_CODE, fakeModel, notesSpec, planning } from "./support";

const KEY = "sk-ant-fake-spend-cap";
const { script, sent } = fakeModel(KEY);
const settings = env as unknown as Record<string, string | undefined>;
const CHANGED = ["ANTHROPIC_API_KEY", "AIDEVOS_DAILY_SPEND_USD"];
const saved: Record<string, string | undefined> = {};

beforeEach(() => {
  for (const name of CHANGED) saved[name] = settings[name];
  settings.ANTHROPIC_API_KEY = KEY;
});
afterEach(() => {
  for (const name of CHANGED) settings[name] = saved[name];
});

async function spentToday(): Promise<number> {
  return (await json(await api("/v1/limits"))).spend.spentTodayUsd;
}

describe("the daily spend cap", () => {
  it("once today's model spend reaches it, holds automatic runs back and refuses new runs", async () => {
    const before = await spentToday();
    settings.AIDEVOS_DAILY_SPEND_USD = String(before + 0.02);
    const name = uniqueName("capped");
    const spec = { ...notesSpec(name), performance: { p95Ms: 2_000 } };
    // The review call reads 30,000 tokens: at least $0.03 (claude-haiku's $1 per million), over the cap's margin.
    const review = answer({ findings: [] }, { usage: { input_tokens: 30_000, output_tokens: 50 } });
    await script([...planning(spec), answer({ code: COUNT_CODE }), review]);
    const run = await waitForRun((await startRun({ request: "notes" })).id);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    expect(run.usage.costUsd).toBeGreaterThan(0.02);
    // The run's spend reaches the Registry through its outbox.
    const deadline = Date.now() + 20_000;
    while ((await spentToday()) < before + 0.02 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await spentToday()).toBeGreaterThanOrEqual(before + 0.02);
    const calls = (await sent()).length;

    // Slow traffic on the live version: a refine run would start, but the cap holds it back.
    const slow = Array.from({ length: 30 }, (_, i) => ({
      at: Date.now() - i,
      version: 1,
      method: "GET",
      route: "GET /count",
      status: 200,
      ms: 9_000,
      key: null,
    }));
    await appMonitorOf(env, name).record(name, slow);
    const feed: { kind: string; message: string }[] = (await json(await api(`/v1/apps/${name}/feed`))).items;
    expect(feed.find((f) => f.kind === "latency_breach")).toBeDefined();
    expect(feed.filter((f) => f.kind === "refine_run")).toHaveLength(0);
    expect(feed.find((f) => f.kind === "auto_run_held")?.message).toContain("AIDEVOS_DAILY_SPEND_USD");

    // A run anyone asks for is refused too; the model was not called again.
    const refused = await api("/v1/runs", { method: "POST", json: { request: "more notes", app: name } });
    expect(refused.status).toBe(429);
    expect((await json(refused)).error.code).toBe("spend_cap_reached");
    expect((await sent()).length).toBe(calls);
    expect((await json(await api(`/v1/apps/${name}`))).liveVersion).toBe(1);
  });
});
