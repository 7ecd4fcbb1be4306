// Proves that data written by the classes that used to play a role (MonitoringDO `app:<name>`,
// LearningDO `knowledge`, a run's DeployDO upload record) is read by the classes that play it now.

import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { compileApp } from "@aidevos/compiler";
import { AppSpec, type Plan } from "@aidevos/core";
import { appMonitorOf, knowledgeBaseOf, registryOf } from "@aidevos/objects";
import { describe, expect, it } from "vitest";
import { KnowledgeBase } from "../../workers/learning/src/knowledge-base";
import { AppMonitorStore } from "../../workers/monitoring/src/app-monitor";
import { todoSpec, uniqueName } from "../support/api";

const event = (at: number, status: number) => ({
  at,
  version: 1,
  method: "GET",
  route: "GET /tasks",
  status,
  ms: 12,
  key: null,
});

describe("moving roles to their own classes", () => {
  it("an app's monitor starts with what the old MonitoringDO instance recorded, once", async () => {
    const name = uniqueName("moved");
    const old = env.MONITORING.get(env.MONITORING.idFromName(`app:${name}`));
    const now = Date.now();
    await runInDurableObject(old, (_instance, state) => {
      const store = new AppMonitorStore(state.storage.sql);
      store.ingest([event(now, 200), event(now, 200), event(now, 500)]);
      store.addFeed("feedback", "written the old way");
    });

    const monitor = appMonitorOf(env, name);
    const metrics = await monitor.metrics(name, "minute", 10);
    expect(metrics.totals.requests).toBe(3);
    const feed = (await monitor.feed()) as unknown as { message: string }[];
    expect(feed.map((f: { message: string }) => f.message)).toContain("written the old way");

    // The copy is made once and remembered: later calls do not count the old rows twice.
    expect(await runInDurableObject(monitor, (_instance, state) => state.storage.kv.get("handed-over"))).toBe(true);
    await monitor.addFeed("feedback", "after the move");
    expect((await appMonitorOf(env, name).metrics(name, "minute", 10)).totals.requests).toBe(3);
    const after = ((await appMonitorOf(env, name).feed()) as unknown as { message: string }[]).map(
      (f: { message: string }) => f.message,
    );
    expect(after.filter((m: string) => m === "written the old way")).toHaveLength(1);
    expect(after).toContain("after the move");
  });

  it("the knowledge base starts with the old LearningDO `knowledge` entries and statistics, seeded once", async () => {
    const old = env.LEARNING.get(env.LEARNING.idFromName("knowledge"));
    const seeds = await runInDurableObject(old, (_instance, state) => {
      const kb = new KnowledgeBase(state.storage.sql);
      kb.add(
        { kind: "lesson", stage: "codegen", title: "Quokkas need shade", body: "Written the old way.", evidence: [] },
        "user",
      );
      kb.recordModel("codegen", "old-model", "v1", { refineRounds: 0, cost: 0.01, failed: false });
      return kb.list({ limit: 500 }).filter((e) => e.source === "seed").length;
    });

    const kb = knowledgeBaseOf(env);
    const found = await kb.list({ q: "quokkas shade", limit: 5 });
    expect(found.map((e) => e.title)).toContain("Quokkas need shade");
    expect(await kb.modelStats("codegen")).toEqual([expect.objectContaining({ model: "old-model", runs: 1 })]);
    const all = await kb.list({ limit: 500 });
    expect(all.filter((e) => e.source === "seed")).toHaveLength(seeds);
    // Full-text search was copied with the rows: an entry is found once, not once per copy.
    expect(found.filter((e) => e.title === "Quokkas need shade")).toHaveLength(1);
  });

  it("a run whose DeployDO uploaded to Cloudflare before the move does not upload again", async () => {
    const name = uniqueName("uploaded");
    const cfUrl = (env as unknown as { CLOUDFLARE_API_BASE_URL: string }).CLOUDFLARE_API_BASE_URL;
    const control = cfUrl.replace(/\/client\/v4$/, "");
    await fetch(`${control}/__script`, { method: "POST", body: JSON.stringify({ key: name, responses: [] }) });
    const spec = AppSpec.parse(todoSpec(name));
    const runId = env.RUNS.newUniqueId().toString();
    const earlier = {
      script: name,
      versionId: "uploaded-before",
      migrationTag: "v1",
      className: "App",
      percentage: 100,
    };
    const stage = env.DEPLOY.get(env.DEPLOY.idFromName(runId));
    await runInDurableObject(stage, (_instance, state) => {
      state.storage.sql.exec("CREATE TABLE cloudflare_uploads (run_id TEXT PRIMARY KEY, deployment TEXT NOT NULL)");
      state.storage.sql.exec("INSERT INTO cloudflare_uploads VALUES (?, ?)", runId, JSON.stringify(earlier));
    });

    await stage.begin({ runId, round: 0, input: { plan: { spec } as Plan, bundle: await compileApp(spec) } });
    await runDurableObjectAlarm(stage);

    const app = await registryOf(env).getApp(name);
    expect(app?.versions.map((v) => v.cloudflare)).toEqual([earlier]);
    expect(await (await fetch(`${control}/__requests?key=${name}`)).json()).toEqual([]);
  });
});
