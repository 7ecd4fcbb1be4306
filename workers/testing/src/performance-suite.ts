import { type AppSpec, entityOperations, type TestReport, testReport, validRecord } from "@aidevos/core";
import { actionPath, shadowedOperations } from "./action-routes";
import type { AppClient } from "./integration-suite";

/** Defaults for a local staging host: generous enough for a 2-core machine, tight enough to catch a slow route. */
const DEFAULT_BUDGET = { requests: 120, concurrency: 6, p95Ms: 250 };

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

/**
 * Performance tests: a bounded load of reads and writes against the staging app, reporting
 * p50/p95/p99 latency and throughput per route against the budget. A breach is a failed case
 * whose message carries the figures, which is what the refiner gets back.
 */
export async function runPerformanceSuite(spec: AppSpec, send: AppClient): Promise<TestReport> {
  const budget = { ...DEFAULT_BUDGET, ...spec.performance };
  const started = Date.now();
  const routes: { name: string; call: (i: number) => Promise<unknown> }[] = [];
  for (const entity of spec.entities) {
    const shadowed = shadowedOperations(spec, entity);
    const ops = entityOperations(entity).filter((op) => !shadowed.has(op));
    const base = `/${entity.plural}`;
    if (ops.includes("create") && validRecord(entity) && !entity.unique?.length) {
      routes.push({ name: `POST ${base}`, call: (i) => send("POST", base, validRecord(entity, i)) });
    }
    if (ops.includes("list")) routes.push({ name: `GET ${base}`, call: () => send("GET", `${base}?limit=20`) });
  }
  for (const counter of spec.counters ?? []) {
    routes.push({
      name: `POST /counters/${counter.name}/increment`,
      call: () => send("POST", `/counters/${counter.name}/increment`),
    });
  }

  // Actions are routes too: the first two, GETs first (they are what clients call most).
  const actions = [...(spec.actions ?? [])].sort((a, b) => Number(b.method === "GET") - Number(a.method === "GET"));
  for (const action of actions.slice(0, 2)) {
    const body = action.method === "GET" ? undefined : {};
    routes.push({
      name: `${action.method} ${action.path} (action ${action.name})`,
      call: (i) => send(action.method, actionPath(action, `perf${i}`), body),
    });
  }

  const cases: TestReport["cases"] = [];
  const figures: Record<string, { p50: number; p95: number; p99: number; rps: number }> = {};
  const perRoute = Math.max(1, Math.floor(budget.requests / Math.max(routes.length, 1)));
  for (const route of routes) {
    // One untimed call first: the budget is for a route that is serving, and the first call also
    // pays for loading the app's isolate and instrumenting its modules, which no later call does.
    await route.call(perRoute);
    const latencies: number[] = [];
    let next = 0;
    const t0 = Date.now();
    const worker = async () => {
      while (next < perRoute) {
        const i = next++;
        const s = Date.now();
        await route.call(i);
        latencies.push(Date.now() - s);
      }
    };
    await Promise.all(Array.from({ length: Math.min(budget.concurrency, perRoute) }, worker));
    const elapsed = Math.max(1, Date.now() - t0);
    latencies.sort((a, b) => a - b);
    const f = {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      rps: Math.round((latencies.length / elapsed) * 1000),
    };
    figures[route.name] = f;
    const ok = f.p95 <= budget.p95Ms;
    cases.push({
      name: `${route.name}: ${latencies.length} requests, concurrency ${budget.concurrency}, p95 within ${budget.p95Ms} ms`,
      ok,
      message: `p50 ${f.p50} ms, p95 ${f.p95} ms, p99 ${f.p99} ms, ${f.rps} req/s${ok ? "" : ` — p95 over budget of ${budget.p95Ms} ms`}`,
      durationMs: elapsed,
    });
  }
  return testReport("performance", cases, started, { figures });
}
