import type { MonitoringSeed, RequestEvent } from "@aidevos/core";

const ROUTES = [
  "GET /tasks",
  "GET /tasks/{id}",
  "POST /tasks",
  "PATCH /tasks/{id}",
  "DELETE /tasks/{id}",
  "GET /counters/visits",
];
const FAILURES = [
  { message: "500 internal_error: storage timed out", frame: "GET /tasks" },
  { message: "500 internal_error: record too large", frame: "POST /tasks" },
  { message: "502 app_failed: the app stopped", frame: "PATCH /tasks/{id}" },
];

/** A small deterministic generator (mulberry32), so a seed always makes the same traffic. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Production-like requests of one app, in time order: mostly reads, about 4% 4xx and 0.5% 5xx in a
 * few error groups, latencies of a few ms with a long tail, from a fixed set of partition keys.
 */
export function* syntheticTraffic(seed: MonitoringSeed, version: number): Generator<RequestEvent> {
  const next = random(seed.seed);
  const step = (seed.toMs - seed.fromMs) / seed.requests;
  for (let i = 0; i < seed.requests; i++) {
    const route = ROUTES[Math.floor(next() ** 2 * ROUTES.length)]!;
    const roll = next();
    const status =
      roll < 0.005 ? 500 : roll < 0.045 ? (route.startsWith("POST") ? 400 : 404) : route.startsWith("POST") ? 201 : 200;
    const failure = status >= 500 ? FAILURES[Math.floor(next() * FAILURES.length)]! : undefined;
    yield {
      at: Math.floor(seed.fromMs + i * step),
      version,
      method: route.split(" ")[0]!,
      route,
      status,
      ms: Math.round(2 + -Math.log(1 - next()) * 6 + (next() < 0.01 ? 300 * next() : 0)),
      key: seed.keys > 0 ? `user-${Math.floor(next() * seed.keys)}` : null,
      ...(failure ? { error: failure, sample: { method: route.split(" ")[0]!, path: "/tasks", headers: {} } } : {}),
    };
  }
}
