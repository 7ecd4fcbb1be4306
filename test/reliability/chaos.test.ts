// Proves no run gets stuck: concurrent submissions and app traffic, with faults injected into stages, all end in a terminal state.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { api, startRun, todoSpec, uniqueName, waitForRun } from "../support/api";
import { measured } from "./figures";

const STAGES = ["PLANNING", "CODEGEN", "TESTING", "DEPLOY", "MONITORING", "LEARNING"] as const;

it("ends every run under load and injected faults: retried faults succeed, exhausted ones fail", {
  timeout: 120_000,
}, async (context) => {
  const started = Date.now();
  const busy = uniqueName("busy");
  await waitForRun((await startRun({ request: "traffic target", spec: todoSpec(busy) })).id);
  let trafficErrors = 0;
  let trafficRequests = 0;
  let stop = false;
  const traffic = (async () => {
    for (let i = 0; !stop && i < 2000; i++, trafficRequests++) {
      const res = await api(`/apps/${busy}/tasks`, { method: "POST", json: { title: `t${i}` } });
      if (res.status !== 201) trafficErrors += 1;
      await res.text();
      await new Promise((r) => setTimeout(r, 5));
    }
  })();

  const plans = Array.from({ length: 8 }, (_, i) => ({
    key: crypto.randomUUID(),
    stage: STAGES[i % STAGES.length]!,
    // Two faults are retried away; the last run's stage fails more often than it may retry.
    faults: i === 7 ? 5 : i % 2 === 0 ? 2 : 0,
    name: uniqueName(`chaos${i}`),
  }));
  for (const p of plans) {
    if (p.faults === 0) continue;
    const runId = env.RUNS.idFromName(`idempotency:${p.key}`).toString();
    // Every stage class has injectFaults; the union of their stubs is too wide for the helper's typing.
    const ns = env[p.stage] as unknown as DurableObjectNamespace<import("@aidevos/planning").PlanningDO>;
    await runInDurableObject(ns.get(ns.idFromName(runId)), (instance) => instance.injectFaults(p.faults));
  }
  let runs: { plan: (typeof plans)[number]; run: Awaited<ReturnType<typeof waitForRun>> }[];
  try {
    runs = await Promise.all(
      plans.map(async (p) => {
        const run = await startRun({ request: p.name, spec: todoSpec(p.name) }, { "idempotency-key": p.key });
        return { plan: p, run: await waitForRun(run.id, 90_000) };
      }),
    );
  } finally {
    stop = true;
    await traffic;
  }

  const ended = runs.filter(({ run }) => ["succeeded", "failed", "cancelled"].includes(run.status));
  measured(context, {
    runs: runs.length,
    "faults injected": plans.reduce((n, p) => n + p.faults, 0),
    ended: ended.length,
    succeeded: runs.filter(({ run }) => run.status === "succeeded").length,
    failed: runs.filter(({ run }) => run.status === "failed").length,
    "app requests meanwhile": trafficRequests,
    "app errors": trafficErrors,
    seconds: Math.round((Date.now() - started) / 1000),
  });
  for (const { plan, run } of runs) {
    expect(["succeeded", "failed", "cancelled"], plan.name).toContain(run.status);
    if (plan.faults >= 3) {
      expect(run.status).toBe("failed");
      expect(run.error?.message).toContain("injected fault");
    } else {
      expect(run.status, `${plan.name}: ${JSON.stringify(run.error)}`).toBe("succeeded");
    }
  }
  expect(trafficErrors).toBe(0);
});
