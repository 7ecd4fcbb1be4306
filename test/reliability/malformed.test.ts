// Proves bad input never breaks AIDevOS: over 500 generated malformed requests to the API and a deployed app, no 5xx, no stack trace, data intact.
import { describe, expect, it } from "vitest";
import { api, json, startRun, todoSpec, uniqueName, waitForRun } from "../support/api";
import { measured } from "./figures";

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

const BODIES = [
  "",
  "{",
  "[]",
  "null",
  "42",
  '"str"',
  "{}",
  '{"request":""}',
  '{"request":123}',
  '{"request":"x","spec":"no"}',
  '{"request":"x","spec":{"name":"A B"}}',
  '{"request":"x","spec":{"name":"ok-name","entities":[{"name":"1","plural":"","fields":{}}]}}',
  '{"request":"x","options":{"replay":"../../etc/passwd"}}',
  '{"request":"x","options":{"tokenBudget":-1}}',
  '{"__proto__":{"admin":true},"request":"x"}',
  `{"request":"${"x".repeat(30_000)}"}`,
  '{"title":null}',
  '{"title":{"$gt":""}}',
  '{"title":"ok","done":"true"}',
  `{"title":"${"y".repeat(5000)}"}`,
  '{"version":"one"}',
  '{"app":"UPPER","message":""}',
  "\u0000\u0001\u0002",
];
const PATHS = [
  "/v1/runs",
  "/v1/runs/%00",
  "/v1/runs/../../etc",
  "/v1/runs/" + "f".repeat(64),
  "/v1/runs?limit=-1&cursor=%ZZ",
  "/v1/apps/%2e%2e",
  "/v1/apps/x/rollback",
  "/v1/feedback",
  "/v1/knowledge?q=%22%27%3B--",
  "/v1/knowledge/x",
  "/apps/nope/x",
];
const METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"];
const TYPES = [
  "application/json",
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/json; charset=utf-16",
  "",
];
const LEAK = /\n\s+at\s|\.ts:\d+|\.js:\d+:\d+|Uncaught|SQLITE/;

describe("malformed requests", () => {
  it("answer all 600 without a 5xx or a stack trace, errors as JSON, and change no data", async (context) => {
    const name = uniqueName("target");
    await waitForRun((await startRun({ request: "t", spec: todoSpec(name) })).id);
    const kept = await json(await api(`/apps/${name}/tasks`, { method: "POST", json: { title: "target" } }));
    const untouched = await json(await api(`/apps/${name}/tasks`, { method: "POST", json: { title: "untouched" } }));
    const appPaths = [
      `/apps/${name}/tasks`,
      `/apps/${name}/tasks/${kept.id}`,
      `/apps/${name}/tasks?limit=abc`,
      `/apps/${name}/%ff`,
      `/apps/${name}/tasks/${"z".repeat(500)}`,
    ];
    const runsBefore = (await json(await api("/v1/runs?limit=100"))).items.length;
    const next = random(7);
    const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]!;
    const failures: string[] = [];
    const seen = { "5xx": 0, "stack traces": 0, "errors not JSON": 0, "4xx": 0 };
    let created = 0;
    for (let i = 0; i < 600; i++) {
      const method = pick(METHODS);
      const path = pick([...PATHS, ...appPaths]);
      const body = method === "GET" || method === "DELETE" ? undefined : pick(BODIES);
      const type = pick(TYPES);
      const headers: Record<string, string> = type ? { "content-type": type } : {};
      if (next() < 0.2) headers["idempotency-key"] = "k".repeat(Math.floor(next() * 400));
      if (next() < 0.1) headers.authorization = "Bearer %%not-a-token%%";
      const res = await api(path, { method, body, headers });
      const text = await res.text();
      if (res.status === 201 || res.status === 202) created += 1;
      const notJson = res.status >= 400 && !text.includes('"error"');
      seen["5xx"] += Number(res.status >= 500);
      seen["4xx"] += Number(res.status >= 400 && res.status < 500);
      seen["stack traces"] += Number(LEAK.test(text));
      seen["errors not JSON"] += Number(notJson);
      if (res.status >= 500 || LEAK.test(text) || notJson) {
        failures.push(
          `${method} ${path} [${type}] ${JSON.stringify(body)?.slice(0, 60)} → ${res.status} ${text.slice(0, 120)}`,
        );
      }
    }
    // Only well-formed requests could create anything, and a record nobody addressed is as it was.
    const runsAfter = (await json(await api("/v1/runs?limit=100"))).items.length;
    const after = await json(await api(`/apps/${name}/tasks/${untouched.id}`));
    measured(context, {
      requests: 600,
      ...seen,
      accepted: created,
      "untouched record": JSON.stringify(after) === JSON.stringify(untouched) ? "intact" : "changed",
    });
    expect(failures).toEqual([]);
    expect(runsAfter - runsBefore).toBeLessThanOrEqual(created);
    expect(after).toEqual(untouched);
  });
});
