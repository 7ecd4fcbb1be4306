import { type AppSpec, type TestFinding, type TestReport, testReport, validRecord } from "@aidevos/core";
import { actionPath } from "./action-routes";
import type { AppClient } from "./integration-suite";
import { destinationOf, reachesAction, reachesEntity } from "./routing";

/** Load per run: small enough for a 2-core machine shared with the rest of the run. */
const DEFAULT_LOAD = { requests: 120, concurrency: 6 };

/**
 * An action's p95 above this many times the baseline's (plus a floor for baselines of a few ms) is
 * a finding. Relative on purpose: a busy host slows the baseline as much as the action.
 */
const SLOWER_THAN_BASELINE = 10;
const FLOOR_MS = 50;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

type Figures = {
  p50: number;
  p95: number;
  p99: number;
  rps: number;
};

async function measure(
  call: (i: number) => Promise<unknown>,
  count: number,
  concurrency: number,
): Promise<{ figures: Figures; elapsed: number; n: number }> {
  // One untimed call first: the first call also pays for loading the app's isolate, which no later call does.
  await call(count);
  const latencies: number[] = [];
  let next = 0;
  const t0 = Date.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const s = Date.now();
      await call(i);
      latencies.push(Date.now() - s);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const elapsed = Math.max(1, Date.now() - t0);
  latencies.sort((a, b) => a - b);
  return {
    figures: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      rps: Math.round((latencies.length / elapsed) * 1000),
    },
    elapsed,
    n: latencies.length,
  };
}

const show = (f: Figures) => `p50 ${f.p50} ms, p95 ${f.p95} ms, p99 ${f.p99} ms, ${f.rps} req/s`;

/**
 * Performance tests: a bounded load of reads and writes against the staging app, p50/p95/p99 and
 * throughput per route. Nothing here gates a deploy, and no absolute time judges anything (a busy
 * host must not refuse good code): each action route is measured right after a baseline on the same
 * host in the same run (the router's own 404, which runs no app code), and an action whose p95 is
 * over ten times the baseline's is a finding. Entity and counter routes are the platform's compiled
 * code: their figures are reported as cases that always pass.
 */
export async function runPerformanceSuite(spec: AppSpec, send: AppClient): Promise<TestReport> {
  const load = { ...DEFAULT_LOAD, ...spec.performance };
  const started = Date.now();
  const routes: { name: string; action?: string; call: (i: number) => Promise<unknown> }[] = [];
  for (const entity of spec.entities) {
    const base = `/${entity.plural}`;
    if (reachesEntity(spec, entity, "POST", base) && validRecord(entity) && !entity.unique?.length) {
      routes.push({ name: `POST ${base}`, call: (i) => send("POST", base, validRecord(entity, i)) });
    }
    if (reachesEntity(spec, entity, "GET", base))
      routes.push({ name: `GET ${base}`, call: () => send("GET", `${base}?limit=20`) });
  }
  for (const counter of spec.counters ?? []) {
    const path = `/counters/${counter.name}/increment`;
    if (destinationOf(spec, "POST", path).to === "counter")
      routes.push({ name: `POST ${path}`, call: () => send("POST", path) });
  }

  // Actions are routes too: the first two, GETs first (they are what clients call most).
  const actions = [...(spec.actions ?? [])]
    .filter((a) => reachesAction(spec, a, a.method, actionPath(a, "perf0")))
    .sort((a, b) => Number(b.method === "GET") - Number(a.method === "GET"));
  for (const action of actions.slice(0, 2)) {
    const body = action.method === "GET" ? undefined : {};
    routes.push({
      name: `${action.method} ${action.path} (action ${action.name})`,
      action: action.name,
      call: (i) => send(action.method, actionPath(action, `perf${i}`), body),
    });
  }

  const baselinePath = ["/__perf_baseline__", "/__perf_baseline__/__none__/__none__/__none__"].find(
    (p) => destinationOf(spec, "GET", p).to === "none",
  );
  const cases: TestReport["cases"] = [];
  const findings: TestFinding[] = [];
  const figures: Record<string, Figures> = {};
  const perRoute = Math.max(1, Math.floor(load.requests / Math.max(routes.length, 1)));
  for (const route of routes) {
    // The baseline goes right before the route it judges, so both see the same load on the host.
    const baseline =
      route.action && baselinePath ? await measure(() => send("GET", baselinePath), perRoute, load.concurrency) : null;
    const { figures: f, elapsed, n } = await measure(route.call, perRoute, load.concurrency);
    figures[route.name] = f;
    if (baseline) figures[`${route.name} baseline`] = baseline.figures;
    const limit = baseline ? baseline.figures.p95 * SLOWER_THAN_BASELINE + FLOOR_MS : null;
    cases.push({
      name: `${route.name}: ${n} requests, concurrency ${load.concurrency}`,
      ok: true,
      message: `${show(f)}${baseline ? `; baseline (the router's 404 on the same host) ${show(baseline.figures)}` : ""}`,
      durationMs: elapsed,
    });
    if (route.action && limit !== null && f.p95 > limit)
      findings.push({
        check: "performance",
        name: `action ${route.action} (${route.name.replace(/ \(action .*\)$/, "")}): p95 within ${SLOWER_THAN_BASELINE}× the baseline's`,
        message: `p95 ${f.p95} ms against the baseline's ${baseline!.figures.p95} ms on the same host (limit ${limit} ms): ${show(f)}`,
        action: route.action,
      });
  }
  return testReport("performance", cases, started, { figures, findings });
}
