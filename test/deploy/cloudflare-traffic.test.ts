// Proves requests to an app shipped to Cloudflare as a Worker of its own (reached at workers.dev, not through the
// gateway) reach its monitor as local traffic does, through the gateway's tail handler: its Worker's fetch events
// become the gateway's RequestEvents (route folded as the gateway folds it, the /k/{key} partition, status, wall
// time), counted in usage and metrics, a 5xx grouped as an error with a redacted sample (no Authorization or cookie
// value stored). Not counted: events of Workers in a dispatch namespace (the gateway's dispatch route recorded them
// already), every fetch event while the gateway uploads apps into a namespace, the app's Durable Object's own fetch
// (the same request again), the platform's /_aidevos/ calls, and requests of a perKey app without a valid key.
import { env } from "cloudflare:workers";
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { tailRequestOf } from "../../workers/gateway/src/apps/tail-requests";
import gateway from "../../workers/gateway/src/index";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

const SECRET = "Bearer app-key-that-must-never-be-stored";

function spec(name: string, partition: "single" | "perKey"): AppSpecInput {
  return {
    name,
    partition,
    entities: [],
    actions: [{ name: "tidy", method: "POST", path: "/tidy", code: "export default async () => ({ tidy: true });" }],
  };
}

async function ship(name: string, partition: "single" | "perKey") {
  const run = await waitForRun((await startRun({ request: "ship", spec: spec(name, partition) })).id);
  expect(run.status).toBe("succeeded");
}

/** A fetch event of an app's Worker as Cloudflare hands it to a tail consumer. */
function fetchEvent(
  scriptName: string,
  method: string,
  path: string,
  status: number | undefined,
  more: Partial<TraceItem> = {},
): TraceItem {
  const request = {
    method,
    url: `https://${scriptName}.example.workers.dev${path}`,
    headers: { authorization: SECRET, cookie: "session=cookie-that-must-never-be-stored", "user-agent": "curl/8" },
    getUnredacted() {
      return this;
    },
  };
  return {
    scriptName,
    event: { request, ...(status === undefined ? {} : { response: { status } }) },
    eventTimestamp: Date.now(),
    logs: [],
    exceptions: [],
    diagnosticsChannelEvents: [],
    outcome: "ok",
    executionModel: "stateless",
    truncated: false,
    cpuTime: 1,
    wallTime: 7,
    ...more,
  };
}

async function usage(name: string) {
  const items = (await json(await api(`/v1/apps/${name}/usage`))).items as {
    route: string;
    requests: number;
    uniqueKeys: number;
    status: Record<string, number>;
  }[];
  return Object.fromEntries(items.map((u) => [u.route, u]));
}

describe("traffic of an app on Cloudflare at workers.dev", () => {
  it("reaches usage, metrics and errors through the tail handler, as local traffic does", async () => {
    const name = uniqueName("cf-traffic");
    await ship(name, "perKey");
    const thrown = { timestamp: Date.now(), name: "TypeError", message: "tidy is not a function" };
    await gateway.tail(
      [
        fetchEvent(name, "POST", "/k/team-a/tidy", 200),
        fetchEvent(name, "POST", "/k/team-b/tidy?verbose=1", 200),
        fetchEvent(name, "GET", "/k/team-a/things/42", 404),
        fetchEvent(name, "POST", "/k/team-a/tidy", 500, { outcome: "exception", exceptions: [thrown] }),
        // A thrown error before any answer: Cloudflare answered 500 for the app.
        fetchEvent(name, "POST", "/k/team-b/tidy", undefined, { outcome: "exceededCpu" }),
        // No valid key: the gateway answers such a request not_found and does not record it either.
        fetchEvent(name, "GET", "/tidy", 404),
        fetchEvent(name, "GET", "/k/not%20a%20key/tidy", 404),
      ],
      env,
    );

    const byRoute = await usage(name);
    expect(byRoute["POST /tidy"]).toMatchObject({ requests: 4, uniqueKeys: 2, status: { "2xx": 2, "5xx": 2 } });
    expect(byRoute["GET /things/{id}"]).toMatchObject({ requests: 1, uniqueKeys: 1, status: { "4xx": 1 } });
    const metrics = await json(await api(`/v1/apps/${name}/metrics`));
    expect(metrics.totals).toMatchObject({ requests: 5, errors: 2 });
    // Latency is the Worker's wall time (7 ms each here), in the monitor's buckets.
    expect(metrics.totals.latencyMs.p50).toBeGreaterThanOrEqual(7);

    const errors = (await json(await api(`/v1/apps/${name}/errors`))).items as {
      message: string;
      frame: string;
      sample: { method: string; path: string; headers: Record<string, string> };
    }[];
    expect(errors.map((e) => `${e.frame} | ${e.message}`).sort()).toEqual([
      "POST /tidy | 500 TypeError: tidy is not a function",
      "POST /tidy | 500 it ended with outcome exceededCpu",
    ]);
    for (const e of errors) {
      expect(e.sample).toMatchObject({ method: "POST", path: "/tidy" });
      expect(e.sample.headers).toEqual({ authorization: "[redacted]", cookie: "[redacted]", "user-agent": "curl/8" });
    }
    const stored = JSON.stringify(errors) + (await (await api(`/v1/apps/${name}/usage`)).text());
    expect(stored).not.toContain("app-key-that-must-never-be-stored");
    expect(stored).not.toContain("cookie-that-must-never-be-stored");
  });

  it("never counts a request twice or counts the platform's own calls", async () => {
    const name = uniqueName("cf-once");
    await ship(name, "single");
    await gateway.tail(
      [
        fetchEvent(name, "POST", "/tidy", 200),
        // The app's Durable Object's own fetch: the same request, forwarded by the Worker's entry.
        fetchEvent(name, "POST", "/tidy", 200, { executionModel: "durableObject" }),
        // Run-now calls of the platform, with and without a key in front.
        fetchEvent(name, "POST", "/k/team-a/_aidevos/schedule/nightly", 200),
        fetchEvent(name, "POST", "/_aidevos/schedule/nightly", 500),
        fetchEvent(name, "GET", "/k/team-a/_aidevos", 200),
        // The client left before any answer: nothing to count.
        fetchEvent(name, "POST", "/tidy", undefined, { outcome: "canceled" }),
      ],
      env,
    );
    // A gateway that uploads apps into a namespace reaches them through its dispatch route, which recorded
    // their requests already; none is reachable at workers.dev: their fetch events are never counted.
    const withNamespace = { ...env, CLOUDFLARE_DISPATCH_NAMESPACE: "apps" } as Env;
    await gateway.tail(
      [
        fetchEvent(name, "POST", "/tidy", 200, { dispatchNamespace: "apps" }),
        fetchEvent(name, "POST", "/tidy", 500, { dispatchNamespace: "apps" }),
        fetchEvent(name, "POST", "/tidy", 200),
      ],
      withNamespace,
    );
    // And an event that names a dispatch namespace is dispatch traffic, whatever the gateway is told.
    expect(tailRequestOf(fetchEvent(name, "POST", "/tidy", 200, { dispatchNamespace: "apps" }), undefined)).toBe(null);
    expect(tailRequestOf(fetchEvent(name, "POST", "/tidy", 200), undefined)).toMatchObject({ path: "/tidy" });

    expect(Object.keys(await usage(name))).toEqual(["POST /tidy"]);
    expect((await usage(name))["POST /tidy"]).toMatchObject({ requests: 1, status: { "2xx": 1 } });
    expect((await json(await api(`/v1/apps/${name}/metrics`))).totals.requests).toBe(1);
    expect((await json(await api(`/v1/apps/${name}/errors`))).items).toEqual([]);
  });
});
