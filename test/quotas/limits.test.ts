// Proves the platform's limits are shown (issue 27: "each a setting with a documented default, shown on the
// dashboard"): GET /v1/limits answers the concurrent-runs cap, the daily spend cap and today's spend, the run and
// automatic-run budgets, the cooldown and every quota, as the settings stand now, in its OpenAPI schema; the
// dashboard links a Limits page that reads it.
import { env } from "cloudflare:workers";
import { PlatformLimits } from "@aidevos/core";
import { afterEach, describe, expect, it } from "vitest";
import { api, json } from "../support/api";

const settings = env as unknown as Record<string, string | undefined>;
const changed = [
  "AIDEVOS_MAX_CONCURRENT_RUNS",
  "AIDEVOS_DAILY_SPEND_USD",
  "AIDEVOS_AUTO_RUN_COOLDOWN_SECONDS",
  "AIDEVOS_MAX_PARTITIONS",
];
const saved = Object.fromEntries(changed.map((name) => [name, settings[name]]));
afterEach(() => {
  for (const name of changed) settings[name] = saved[name];
});

describe("GET /v1/limits", () => {
  it("answers every limit with its default, and a changed setting at once", async () => {
    const res = await api("/v1/limits");
    expect(res.status).toBe(200);
    const limits = PlatformLimits.parse(await json(res));
    expect(limits).toMatchObject({
      runs: { maxConcurrent: 8, defaultTokenBudget: 2_000_000, maxModelCalls: 300, kept: 500 },
      spend: { dailyCapUsd: 50, day: new Date().toISOString().slice(0, 10) },
      automaticRuns: { tokenBudget: 500_000, cooldownSeconds: 3_600 },
    });
    expect(limits.spend.spentTodayUsd).toBeGreaterThanOrEqual(0);
    expect(limits.runs.running).toBeGreaterThanOrEqual(0);
    expect(limits.quotas).toEqual({
      AIDEVOS_MAX_PARTITIONS: 10_000,
      AIDEVOS_MAX_PARTITION_BYTES: 100 * 1024 * 1024,
      AIDEVOS_MAX_APP_BYTES: 1024 * 1024 * 1024,
      AIDEVOS_MAX_ERROR_GROUPS: 200,
      AIDEVOS_MAX_FEED_ROWS: 500,
      AIDEVOS_MAX_USAGE_KEYS_PER_DAY: 1000,
      AIDEVOS_VERSIONS_KEPT: 20,
      AIDEVOS_RUNS_KEPT: 500,
      AIDEVOS_MAX_ROOM_MEMBERS: 500,
      AIDEVOS_MAX_FRAMES_PER_SECOND: 20,
    });

    settings.AIDEVOS_MAX_CONCURRENT_RUNS = "3";
    settings.AIDEVOS_DAILY_SPEND_USD = "7.5";
    settings.AIDEVOS_AUTO_RUN_COOLDOWN_SECONDS = "60";
    settings.AIDEVOS_MAX_PARTITIONS = "12";
    const now = PlatformLimits.parse(await json(await api("/v1/limits")));
    expect(now.runs.maxConcurrent).toBe(3);
    expect(now.spend.dailyCapUsd).toBe(7.5);
    expect(now.automaticRuns.cooldownSeconds).toBe(60);
    expect(now.quotas.AIDEVOS_MAX_PARTITIONS).toBe(12);
  });

  it("is in the OpenAPI document, and the dashboard has a Limits page that reads it", async () => {
    const doc = await json(await api("/openapi.json"));
    const op = doc.paths["/v1/limits"]?.get;
    expect(op?.operationId).toBe("getLimits");
    expect(Object.keys(op.responses["200"].content["application/json"].schema.properties).sort()).toEqual([
      "automaticRuns",
      "quotas",
      "runs",
      "spend",
    ]);
    const page = await (await api("/")).text();
    expect(page).toContain('href="#/limits"');
    expect(page).toContain('api(v1("limits"))');
  });
});
