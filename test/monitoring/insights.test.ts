// Proves that production signals become usage insights: a planted slow route and a validation-heavy route (real requests through the gateway) each put an insight with its evidence and a drafted feedback request in the app's feed, once.

import { env } from "cloudflare:workers";
import { FeedbackBody } from "@aidevos/core";
import { appMonitorOf } from "@aidevos/objects";
import { describe, expect, it } from "vitest";
import { api, json, startRun, todoSpec, uniqueName, waitForRun } from "../support/api";

interface Feed {
  kind: string;
  message: string;
  data?: {
    kind: string;
    route: string;
    evidence: Record<string, unknown>;
    feedback: { app: string; message: string };
  };
}

async function insights(name: string, count: number): Promise<Feed[]> {
  for (let i = 0; i < 200; i++) {
    const items = (await json<{ items: Feed[] }>(await api(`/v1/apps/${name}/feed`))).items.filter(
      (f) => f.kind === "insight",
    );
    if (items.length >= count) return items;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${count} insight(s) for ${name}`);
}

describe("usage insights", () => {
  it("a route over its p95 budget gets one insight with a drafted request to make it faster", async () => {
    const name = uniqueName("slowroute");
    const spec = { ...todoSpec(name), performance: { p95Ms: 500 } };
    const run = await waitForRun((await startRun({ request: "m", spec })).id);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    const now = Date.now();
    const event = (i: number, route: string, ms: number) => ({
      at: now - i,
      version: 1,
      method: "GET",
      route,
      status: 200,
      ms,
      key: null,
    });
    const monitor = appMonitorOf(env, name);
    // The slow route is planted; the fast one beside it must not be flagged.
    await monitor.record(name, [
      ...Array.from({ length: 25 }, (_, i) => event(i, "GET /tasks/{id}", 900)),
      ...Array.from({ length: 25 }, (_, i) => event(i, "GET /tasks", 5)),
    ]);
    await monitor.record(
      name,
      Array.from({ length: 5 }, (_, i) => event(i, "GET /tasks/{id}", 900)),
    );
    const [slow, ...others] = await insights(name, 1);
    expect(others).toEqual([]);
    expect(slow!.data).toMatchObject({
      kind: "slow_route",
      route: "GET /tasks/{id}",
      evidence: { budgetMs: 500, requests: 25 },
    });
    expect(slow!.data!.evidence.p95Ms).toBeGreaterThan(500);
    expect(slow!.message).toContain("over the 500 ms budget");
    // The draft is a feedback request as POST /v1/feedback takes it.
    const draft = FeedbackBody.parse(slow!.data!.feedback);
    expect(draft).toEqual({ app: name, message: expect.stringContaining("Make GET /tasks/{id} faster") });
  });

  it("a route most requests fail validation on gets an insight naming the fields that fail most", async () => {
    const name = uniqueName("strict");
    expect((await waitForRun((await startRun({ request: "m", spec: todoSpec(name) })).id)).status).toBe("succeeded");
    for (let i = 0; i < 14; i++) await api(`/apps/${name}/tasks`, { method: "POST", json: { title: "" } });
    for (let i = 0; i < 4; i++)
      await api(`/apps/${name}/tasks`, { method: "POST", json: { title: "ok", done: "yes" } });
    for (let i = 0; i < 6; i++) await api(`/apps/${name}/tasks`, { method: "POST", json: { title: `t${i}` } });
    const [heavy] = await insights(name, 1);
    expect(heavy!.data).toMatchObject({
      kind: "validation_heavy_route",
      route: "POST /tasks",
      evidence: { requests: 24, clientErrors: 18, share: 0.75 },
    });
    const fields = Object.entries(heavy!.data!.evidence.invalidFields as Record<string, number>);
    expect(fields[0]![0]).toContain("title");
    expect(fields[0]![1]).toBe(14);
    expect(fields[1]![0]).toContain("done");
    expect(heavy!.message).toMatch(/^75% of POST \/tasks requests are refused with 4xx/);
    expect(FeedbackBody.parse(heavy!.data!.feedback).message).toContain("title");
  });
});

describe("usage insights from traffic shape", () => {
  it("names the spec's routes nobody requested and a partition that takes most of the traffic", async () => {
    const name = uniqueName("shape");
    const run = await waitForRun(
      (await startRun({ request: "m", spec: { ...todoSpec(name), partition: "perKey" } })).id,
    );
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
    const now = Date.now();
    const event = (i: number, method: string, route: string, key: string) => ({
      at: now - i,
      version: 1,
      method,
      route,
      status: 200,
      ms: 3,
      key,
    });
    const keyOf = (i: number) => (i < 150 ? "acme" : i < 180 ? "beta" : "gamma");
    await appMonitorOf(env, name).record(name, [
      ...Array.from({ length: 150 }, (_, i) => event(i, "GET", "GET /tasks", keyOf(i))),
      ...Array.from({ length: 60 }, (_, i) => event(i, "POST", "POST /tasks", keyOf(150 + i))),
    ]);
    const found = await insights(name, 4);
    const unused = found.filter((f) => f.data!.kind === "unused_route").map((f) => f.data!.route);
    expect(unused.sort()).toEqual(["DELETE /tasks/{id}", "GET /tasks/{id}", "PATCH /tasks/{id}"]);
    const hot = found.find((f) => f.data!.kind === "hot_partition")!;
    expect(hot.data).toMatchObject({ route: "acme", evidence: { requests: 150, total: 210, keys: 3 } });
    expect(FeedbackBody.parse(hot.data!.feedback).message).toContain("One partition takes 71%");
    // The key is client text: only in the evidence, never in the draft.
    expect(FeedbackBody.parse(hot.data!.feedback).message).not.toContain("acme");
  });
});
