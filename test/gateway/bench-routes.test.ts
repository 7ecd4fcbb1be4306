// Proves the benchmark routes: absent unless AIDEVOS_BENCH=1, behind the API token, 4xx on bad input, seeding through the real write paths (seeded apps serve, seeded requests count, each kind of app), and the bare baseline reaching the same host as the proxy without recording a request.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../workers/gateway/src/index";

async function call(path: string, init: RequestInit & { json?: unknown } = {}, vars: Partial<Env> = {}) {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  const ctx = createExecutionContext();
  const request = new Request(`http://gateway.test${path}`, {
    ...init,
    headers,
    body: init.json === undefined ? init.body : JSON.stringify(init.json),
  });
  const res = await worker.fetch(
    request as Request<unknown, IncomingRequestCfProperties>,
    { ...env, AIDEVOS_BENCH: "1", ...vars },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: (await res.json()) as any };
}

describe("benchmark routes", () => {
  it("do not exist unless AIDEVOS_BENCH is 1", async () => {
    for (const path of ["/__bench/storage", "/__bench/bare/x/tasks"]) {
      const res = await call(path, {}, { AIDEVOS_BENCH: "" });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
  });

  it("need the API token when one is set", async () => {
    const res = await call("/__bench/storage", {}, { AIDEVOS_API_TOKEN: "bench-token-7a1e" });
    expect(res.status).toBe(401);
  });

  it("seed apps without actions (sharing one runtime) and apps with actions of their own", async () => {
    const prefix = `kind${Date.now().toString(36)}`;
    const plain = await call("/__bench/registry/seed", {
      method: "POST",
      json: { prefix, from: 0, count: 2, kind: "declarative" },
    });
    const acting = await call("/__bench/registry/seed", {
      method: "POST",
      json: { prefix, from: 2, count: 2, kind: "actions" },
    });
    for (const name of plain.body.names) expect((await call(`/apps/${name}/tasks`)).status).toBe(200);
    const summaries = await Promise.all(acting.body.names.map((n: string) => call(`/apps/${n}/summary`)));
    expect(summaries.map((s) => s.body)).toEqual([
      { app: 2, tasks: 0 },
      { app: 3, tasks: 0 },
    ]);
    expect((await call(`/apps/${plain.body.names[0]}/summary`)).status).toBe(404);
  });

  it("name what is wrong with a seed", async () => {
    const bad = await call("/__bench/registry/seed", {
      method: "POST",
      json: { prefix: "Bad!", from: -1, count: 5000 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(["count", "from", "prefix"]);
    const window = await call("/__bench/monitoring/seed", {
      method: "POST",
      json: { app: "some-app", requests: 10, fromMs: 2, toMs: 1 },
    });
    expect(window.status).toBe(400);
    expect(window.body.error.details[0].path).toBe("toMs");
    const text = await call("/__bench/registry/seed", {
      method: "POST",
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(text.body.error.code).toBe("invalid_json");
    const ghost = await call("/__bench/monitoring/seed", {
      method: "POST",
      json: { app: "never-deployed", requests: 10, fromMs: 1, toMs: 2 },
    });
    expect(ghost.status).toBe(404);
    const touch = await call("/__bench/touch", { method: "POST", json: { apps: ["Bad Name"], path: "x" } });
    expect(touch.status).toBe(400);
    expect(touch.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(["apps.0", "path"]);
    const serve = await call("/__bench/serve", {
      method: "POST",
      json: { app: "some-app", method: "DELETE", path: "k/{i}", count: 0 },
    });
    expect(serve.status).toBe(400);
    expect(serve.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(["count", "method", "path"]);
    expect((await call("/__bench/traffic?withinMs=soon")).status).toBe(400);
  });

  it("serve numbered requests through the proxy, and say what the traffic buffer holds", async () => {
    const prefix = `many${Date.now().toString(36)}`;
    const [app] = (
      await call("/__bench/registry/seed", { method: "POST", json: { prefix, from: 0, count: 1, kind: "declarative" } })
    ).body.names;
    const served = await call("/__bench/serve", {
      method: "POST",
      json: { app, method: "POST", path: "/tasks", body: { title: "task {i}" }, count: 3 },
    });
    expect(served.body.statuses).toEqual({ 201: 3 });
    const titles = (await call(`/apps/${app}/tasks`)).body.items.map((t: { title: string }) => t.title).sort();
    expect(titles).toEqual(["task 0", "task 1", "task 2"]);
    const traffic = await call("/__bench/traffic?withinMs=60000");
    expect(traffic.status).toBe(200);
    expect(traffic.body).toMatchObject({ periodMs: expect.any(Number), handedOff: expect.any(Number) });
    expect(traffic.body.requests).toBeGreaterThanOrEqual(0);
  });

  it("seed apps that serve and requests that the metrics count", async () => {
    const prefix = `seed${Date.now().toString(36)}`;
    const seeded = await call("/__bench/registry/seed", { method: "POST", json: { prefix, from: 0, count: 4 } });
    expect(seeded.status).toBe(201);
    const [single, perKey] = [seeded.body.names[1], seeded.body.names[0]];
    expect((await call(`/apps/${single}/tasks`, { method: "POST", json: { title: "seeded app serves" } })).status).toBe(
      201,
    );
    expect((await call(`/apps/${perKey}/k/team/tasks`)).status).toBe(200);

    const to = Date.now();
    const recorded = await call("/__bench/monitoring/seed", {
      method: "POST",
      json: { app: single, requests: 1000, fromMs: to - 3 * 3600_000, toMs: to, keys: 10 },
    });
    expect(recorded).toMatchObject({ status: 201, body: { recorded: 1000 } });
    const hours = await call(`/v1/apps/${single}/metrics?granularity=hour&limit=100`);
    const minutes = await call(`/v1/apps/${single}/metrics?granularity=minute&limit=1000`);
    // Older minutes were folded into hours by the seed's compaction; together they hold every request:
    // the 1,000 seeded and the one POST above, which the gateway recorded before its context ended.
    expect(hours.body.totals.requests + minutes.body.totals.requests).toBe(1001);
    const usage = await call(`/v1/apps/${single}/usage?days=1`);
    const total = usage.body.items.reduce((n: number, u: { requests: number }) => n + u.requests, 0);
    expect(total).toBe(1001);
    expect(Math.max(...usage.body.items.map((u: { uniqueKeys: number }) => u.uniqueKeys))).toBeLessThanOrEqual(10);

    // A touch serves each app through the real handler, so the monitor counts it.
    const touched = await call("/__bench/touch", { method: "POST", json: { apps: [single, single] } });
    expect(touched.body.statuses).toEqual({ 200: 2 });
    const counted = await call(`/v1/apps/${single}/metrics?granularity=minute&limit=1000`);
    expect(counted.body.totals.requests).toBe(minutes.body.totals.requests + 2);

    // The bare baseline reaches the same host and data as the proxy, and the monitor never hears of it.
    const bare = await call(`/__bench/bare/${single}/tasks`);
    expect(bare.status).toBe(200);
    expect(bare.body.items.map((t: { title: string }) => t.title)).toEqual(["seeded app serves"]);
    expect((await call(`/__bench/bare/${perKey}/k/team/tasks`)).status).toBe(200);
    expect((await call("/__bench/bare/never-deployed/tasks")).status).toBe(404);
    const after = await call(`/v1/apps/${single}/metrics?granularity=minute&limit=1000`);
    expect(after.body.totals.requests).toBe(counted.body.totals.requests);

    const sizes = await call(`/__bench/storage?apps=${single}`);
    expect(sizes.body.registryBytes).toBeGreaterThan(0);
    expect(sizes.body.monitorBytes[single]).toBeGreaterThan(0);
  });
});
