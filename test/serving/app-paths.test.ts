// Proves the gateway's app routing against the attacks of issue 25, through the Worker's fetch in workerd:
// an app path with an empty segment, a backslash, an encoded slash or backslash, or a dot segment is refused
// with 404 `not_found` before any app is touched, and no outside request, in any spelling, reaches the
// platform's internal calls into an app (check, schedule, message, realtime, broadcasts): the schedule's
// counter stays at 0 and no stored value leaks. Those calls are RPC: not even the host's own fetch of a
// /_aidevos/ path reaches them. The routing function's every spelling is checked directly too.
import { env } from "cloudflare:workers";
import type { AppSpecInput } from "@aidevos/core";
import { appHostOf } from "@aidevos/objects";
import { describe, expect, it } from "vitest";
import { appRoute, ownOriginApp, unsafePath } from "../../workers/gateway/src/apps/routing";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

function spec(name: string): AppSpecInput {
  return {
    name,
    partition: "perKey",
    performance: { p95Ms: 10_000 },
    entities: [
      {
        name: "secret",
        plural: "secrets",
        fields: { value: { type: "string", required: true } },
      },
    ],
    counters: [{ name: "sweeps" }],
    actions: [
      {
        name: "sweep",
        method: "POST",
        path: "/sweep",
        code: `export default async (req, ctx) => {
  const n = await ctx.counters.sweeps.increment();
  ctx.broadcast("room", { n });
  return { n };
};`,
      },
    ],
    schedules: [{ name: "tick", everySeconds: 3600, action: "sweep" }],
    channels: [{ name: "room", onMessage: "sweep" }],
  };
}

async function deployed(): Promise<string> {
  const name = uniqueName("paths");
  const run = await waitForRun((await startRun({ request: "serve it", spec: spec(name) })).id, 40_000);
  if (run.status !== "succeeded") throw new Error(`run ${run.status}: ${JSON.stringify(run.error)}`);
  return name;
}

const INTERNAL = ["check", "schedule/tick", "message/room", "realtime", "broadcasts/x"];

describe("app paths an attacker sends", () => {
  it("are refused by the gateway with 404 not_found: empty segments, backslashes, encoded slashes, dot segments", async () => {
    const name = await deployed();
    const base = `/apps/${name}/k/acme`;
    const created = await api(`${base}/secrets`, { method: "POST", json: { value: "s3cret-value" } });
    expect(created.status).toBe(201);
    const attacks = INTERNAL.flatMap((call) => [
      `${base}//x/_aidevos/${call}`,
      `${base}/\\x/_aidevos/${call}`,
      `${base}/%2F%2Fx/_aidevos/${call}`,
      `${base}/%2f/_aidevos/${call}`,
      `${base}/%5C%5Cx/_aidevos/${call}`,
      `${base}/x/..%2F_aidevos/${call}`,
      `${base}/%2e%2E%2F_aidevos/${call}`,
      `/apps/${name}//k/acme/_aidevos/${call}`,
    ]);
    for (const path of attacks) {
      for (const method of ["POST", "GET"]) {
        const res = await api(path, method === "POST" ? { method, json: { spec: spec(name) } } : { method });
        const body = await json(res);
        expect({ path, method, status: res.status }).toEqual({ path, method, status: 404 });
        expect(body.error.code).toBe("not_found");
        expect(body.error.message).toContain("may not contain");
        expect(JSON.stringify(body)).not.toContain("s3cret-value");
      }
    }
    const sweeps = await json(await api(`${base}/counters/sweeps`));
    expect(sweeps.value).toBe(0);
  }, 60_000);

  it("never reach the platform's internal calls, in any other spelling either", async () => {
    const name = await deployed();
    const spellings = INTERNAL.flatMap((call) => [
      `/apps/${name}/k/acme/_aidevos/${call}`,
      `/apps/${name}/k/acme/x/../_aidevos/${call}`,
      `/apps/${name}/k/acme/%5Faidevos/${call}`,
      `/apps/${name}/k/acme/_AIDEVOS/${call}`,
      `/apps/${name}/_aidevos/${call}`,
      `/apps/${name}/k/_aidevos/${call}`,
      `/apps/${name}/k/acme/_aidevos/${call}/`,
    ]);
    for (const path of spellings) {
      for (const method of ["POST", "GET"]) {
        const res = await api(path, method === "POST" ? { method, json: { spec: spec(name) } } : { method });
        expect({ path, method, status: res.status }).toEqual({ path, method, status: 404 });
        expect((await json(res)).error.code).toBe("not_found");
      }
    }
    expect((await json(await api(`/apps/${name}/k/acme/counters/sweeps`))).value).toBe(0);
    expect((await json(await api(`/apps/${name}/k/_aidevos/counters/sweeps`))).value).toBe(0);
    // The app itself still serves, and its schedule still runs when the platform runs it.
    expect((await api(`/apps/${name}/k/acme/sweep`, { method: "POST" })).status).toBe(200);
    expect((await api(`/v1/apps/${name}/schedules/tick/run?key=acme`, { method: "POST" })).status).toBe(200);
    expect((await json(await api(`/apps/${name}/k/acme/counters/sweeps`))).value).toBe(2);
  }, 60_000);
});

describe("the platform's calls into an app", () => {
  it("have no HTTP path at all: even the host's own fetch of /_aidevos/… is a route the app lacks (they are RPC)", async () => {
    const name = await deployed();
    const live = await appHostOf(env, name).live(name);
    const partition = appHostOf(env, name, "acme");
    for (const call of INTERNAL) {
      const request = new Request(`http://app/_aidevos/${call}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-aidevos-partition-key": "acme" },
        body: JSON.stringify({ spec: spec(name) }),
      });
      const res = await partition.serve(request, live!);
      expect({ call, status: res.status }).toEqual({ call, status: 404 });
    }
    expect((await json(await api(`/apps/${name}/k/acme/counters/sweeps`))).value).toBe(0);
  }, 60_000);
});

describe("the routing function", () => {
  it("refuses every unsafe spelling and passes the paths apps serve", () => {
    for (const bad of [
      "//x",
      "/k/a//x",
      "/a\\b",
      "/%2F",
      "/a%2fb",
      "/a%5cb",
      "/%5C",
      "/.",
      "/..",
      "/a/./b",
      "/a/../b",
      "/%2e",
      "/%2E%2e",
      "/.%2E/x",
      "x",
    ])
      expect({ bad, why: unsafePath(bad) }).not.toEqual({ bad, why: null });
    for (const good of ["/", "/items", "/items/", "/k/acme/", "/k/acme/items/abc", "/a.b/..c/...", "/%20x"])
      expect({ good, why: unsafePath(good) }).toEqual({ good, why: null });
  });

  it("routes by path on the gateway's origin and by Host on an app's own", () => {
    expect(appRoute("http://127.0.0.1:8787/v1/apps", "127.0.0.1:8787")).toEqual({ kind: "gateway" });
    expect(appRoute("http://127.0.0.1:8787/apps/shop/items?x=1", "127.0.0.1:8787")).toEqual({
      kind: "app",
      name: "shop",
      path: "/items",
      origin: "gateway",
    });
    expect(appRoute("http://127.0.0.1:8787/apps/shop", null)).toMatchObject({ kind: "app", path: "/" });
    expect(appRoute("http://x/apps/shop/k/a/..%2Fb", null).kind).toBe("refused");
    expect(appRoute("http://x/apps/Shop/items", null).kind).toBe("refused");
    expect(appRoute("http://x/apps/shop/k/bad%20key/items", null).kind).toBe("refused");
    expect(appRoute("http://shop.localhost:8787/v1/apps", "shop.localhost:8787")).toEqual({
      kind: "app",
      name: "shop",
      path: "/v1/apps",
      origin: "own",
    });
    expect(appRoute("http://127.0.0.1:8787/", "shop.apps.example.com", "apps.example.com")).toMatchObject({
      kind: "app",
      name: "shop",
      origin: "own",
    });
    expect(appRoute("http://x/", "a.b.localhost")).toEqual({ kind: "gateway" });
    expect(appRoute("http://x//x", "shop.localhost").kind).toBe("refused");
    expect(ownOriginApp("localhost:8787")).toBeNull();
    expect(ownOriginApp("apps.example.com", "apps.example.com")).toBeNull();
  });
});
