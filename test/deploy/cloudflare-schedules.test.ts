// Proves schedules of an app shipped to Cloudflare reach its monitor as local runs do: the gateway's tail handler
// records the runtime's structured line of each alarm run (ok or error, with its code, message and duration) and a
// failed alarm, and skips everything else (other Workers, other lines, oversized or malformed lines); and a run now
// (POST /v1/apps/{name}/schedules/{schedule}/run with the dispatch namespace bound) goes to the app's Worker in every
// partition with the platform token its Worker was given as a secret, and its outcome is recorded too.
import { env } from "cloudflare:workers";
import type { AppSpecInput } from "@aidevos/core";
import { runScheduleOnCloudflare } from "@aidevos/deploy";
import { describe, expect, it } from "vitest";
import { dispatched } from "../../workers/gateway/src/apps/dispatched";
import gateway from "../../workers/gateway/src/index";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

const cfUrl = (env as unknown as { CLOUDFLARE_API_BASE_URL: string }).CLOUDFLARE_API_BASE_URL;
const control = cfUrl.replace(/\/client\/v4$/, "");

function spec(name: string, partition: "single" | "perKey"): AppSpecInput {
  return {
    name,
    partition,
    entities: [],
    actions: [{ name: "tidy", method: "POST", path: "/tidy", code: "export default async () => ({ tidy: true });" }],
    schedules: [
      { name: "nightly", everySeconds: 86_400, action: "tidy" },
      { name: "hourly", everySeconds: 3600, action: "tidy" },
    ],
  };
}

async function ship(name: string, partition: "single" | "perKey") {
  const run = await waitForRun((await startRun({ request: "ship", spec: spec(name, partition) })).id);
  expect(run.status).toBe("succeeded");
}

/** A tail event as Cloudflare hands it to a tail consumer (the fields the handler reads, and the rest). */
function traceItem(scriptName: string, messages: unknown[][], more: Partial<TraceItem> = {}): TraceItem {
  return {
    scriptName,
    event: { scheduledTime: new Date() },
    eventTimestamp: Date.now(),
    logs: messages.map((message) => ({ timestamp: Date.now(), level: "log", message })),
    exceptions: [],
    diagnosticsChannelEvents: [],
    outcome: "ok",
    executionModel: "durableObject",
    truncated: false,
    cpuTime: 0,
    wallTime: 3,
    ...more,
  };
}

const line = (fields: Record<string, unknown>) => [
  JSON.stringify({ aidevos: "aidevos.schedule-run", key: null, at: Date.now(), ms: 12, ok: true, ...fields }),
];

async function realtime(name: string) {
  return (await json(await api(`/v1/apps/${name}/realtime`))).schedules as {
    name: string;
    runs: number;
    errors: number;
    lastRunAt: string | null;
    lastError: string | null;
  }[];
}

describe("schedules of an app on Cloudflare", () => {
  it("reach the app's monitor through the gateway's tail handler: runs, errors and failed alarms", async () => {
    const name = uniqueName("cf-tail");
    await ship(name, "single");
    const at = Date.now() - 5_000;
    const events = [
      traceItem(name, [
        ["a log line of the app"],
        line({ schedule: "nightly", at }),
        line({ schedule: "hourly", ok: false, error: { code: "internal_error", message: "action tidy failed" } }),
        // Not ours: a line with fields the schema does not know, an oversized one, one that is not JSON.
        line({ schedule: "nightly", extra: "x" }),
        [`{"aidevos":"aidevos.schedule-run","pad":"${"x".repeat(3000)}"}`],
        ['{"aidevos":"aidevos.schedule-run",'],
      ]),
      traceItem(name, [], {
        outcome: "exception",
        exceptions: [{ timestamp: Date.now(), name: "Error", message: "the alarm threw" }],
      }),
      // An app's name in another dispatch namespace, a Worker no app has, and a name no app can have: skipped.
      traceItem(name, [line({ schedule: "nightly" })], { dispatchNamespace: "someone-else" }),
      traceItem(uniqueName("cf-other"), [line({ schedule: "nightly" })]),
      traceItem("Not An App", [line({ schedule: "nightly" })]),
    ];
    await gateway.tail(events, env);

    const schedules = await realtime(name);
    expect(schedules.find((s) => s.name === "nightly")).toMatchObject({
      runs: 1,
      errors: 0,
      lastRunAt: new Date(at).toISOString(),
    });
    expect(schedules.find((s) => s.name === "hourly")).toMatchObject({
      runs: 1,
      errors: 1,
      lastError: "schedule hourly failed: internal_error: action tidy failed",
    });
    const errors = (await json(await api(`/v1/apps/${name}/errors`))).items as { message: string; frame: string }[];
    expect(errors.map((e) => `${e.frame} | ${e.message}`).sort()).toEqual([
      "alarm | alarm failed: Error: the alarm threw",
      "schedule hourly | schedule hourly failed: internal_error: action tidy failed",
    ]);
  });

  it("run now in the app's Worker in every partition, with the platform token it holds, and are recorded", async () => {
    const name = uniqueName("cf-now");
    await ship(name, "perKey");
    const secrets = await json(await fetch(`${control}/__secrets?key=${name}`));
    const token = secrets.aidevos_platform_token as string;
    expect(token).toMatch(/^[0-9a-f]{64}$/);

    const seen: string[] = [];
    const dispatcher = {
      get: (script: string) => ({
        fetch: async (request: Request) => {
          const path = new URL(request.url).pathname;
          // The runtime's answer to a write says what the partition stores (app.js).
          if (path === "/") return new Response("{}", { headers: { "x-aidevos-stored": "4096" } });
          const carried = request.headers.get("x-aidevos-platform-token") === token ? "token" : "no token";
          seen.push(`${script} ${request.method} ${path} ${carried}`);
          if (path.startsWith("/k/b/"))
            return Response.json({
              ok: false,
              error: { error: { code: "bad_day", message: "not today" } },
              broadcasts: [],
            });
          return Response.json({ ok: true, reply: '{"tidy":true}', broadcasts: [] });
        },
      }),
    };
    const withDispatcher = { ...env, DISPATCHER: dispatcher } as unknown as Env;
    // Writes through the dispatch route make their keys partitions once the answer says they store data;
    // a read of another key does not.
    for (const key of ["a", "b"]) {
      const res = await dispatched(
        withDispatcher,
        { waitUntil: () => {} },
        name,
        `/k/${key}/tidy`,
        new Request("http://app/", { method: "POST" }),
        0,
      );
      expect(res.headers.has("x-aidevos-stored")).toBe(false);
    }
    await dispatched(withDispatcher, { waitUntil: () => {} }, name, "/k/junk/tidy", new Request("http://app/"), 0);
    seen.length = 0;

    expect(await runScheduleOnCloudflare(withDispatcher, dispatcher, name, "nightly", null)).toEqual({
      kind: "ran",
      partitions: 2,
    });
    // The Worker the deploy recorded (uploaded standalone here, so aidevos-app-<name>).
    expect(seen.sort()).toEqual([
      `aidevos-app-${name} POST /k/a/_aidevos/schedule/nightly token`,
      `aidevos-app-${name} POST /k/b/_aidevos/schedule/nightly token`,
    ]);
    expect(await runScheduleOnCloudflare(withDispatcher, dispatcher, name, "nightly", "a")).toEqual({
      kind: "ran",
      partitions: 1,
    });
    expect(await runScheduleOnCloudflare(withDispatcher, dispatcher, name, "nope", null)).toEqual({
      kind: "no_schedule",
    });
    const nightly = (await realtime(name)).find((s) => s.name === "nightly");
    expect(nightly).toMatchObject({ runs: 3, errors: 1, lastError: null });
    const errors = (await json(await api(`/v1/apps/${name}/errors`))).items as { message: string }[];
    expect(errors.map((e) => e.message)).toEqual(["schedule nightly failed: bad_day: not today"]);
    // The token is the platform's: no API answer about the app shows it.
    for (const path of [`/v1/apps/${name}`, `/v1/apps/${name}/secrets`, `/v1/apps/${name}/realtime`])
      expect(await (await api(path)).text()).not.toContain(token);
  });
});
