// Proves bad input never breaks AIDevOS, over real HTTP against `wrangler dev` with an API token configured: of 600
// generated malformed requests (bad, missing and valid tokens), /v1 calls without the token get 401, the rest a 4xx
// JSON error, none a 5xx or a stack trace, and a count of every run, app and app record shows nothing was accepted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startWranglerDev } from "../e2e/wrangler-dev";
import { Http } from "../support/http";
import { measured } from "./figures";

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

const TOKEN = `malformed-${crypto.randomUUID()}`;
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
  `/v1/runs/${"f".repeat(64)}`,
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
/** Authorization headers that must not pass: undefined sends none. */
const BAD_AUTH = [
  undefined,
  "Bearer %%not-a-token%%",
  `Bearer ${TOKEN.slice(0, -1)}`,
  `Bearer ${TOKEN}${TOKEN}`,
  `Token ${TOKEN}`,
  "Basic dXNlcjpwYXNz",
  "Bearer",
  `Bearer ${"x".repeat(5000)}`,
];
const LEAK = /\n\s+at\s|\.ts:\d+|\.js:\d+:\d+|Uncaught|SQLITE/;

let dev: DevServer | undefined;
let http: Http;
beforeAll(async () => {
  // A secret in production; `--var` gives the local server the same binding.
  dev = await startWranglerDev({ vars: { AIDEVOS_API_TOKEN: TOKEN } });
  http = new Http(dev.base, TOKEN);
});
afterAll(async () => {
  await dev?.stop();
});

/** Every record AIDevOS holds that a request could have added, changed or removed. */
async function census(app: string) {
  const [runs, apps, records] = await Promise.all([
    http.all<{ id: string; status: string }>("/v1/runs?limit=100"),
    http.all<{ name: string; liveVersion?: number }>("/v1/apps?limit=100"),
    http.all<Record<string, unknown>>(`/apps/${app}/tasks?limit=100`),
  ]);
  return { runs: runs.map((r) => r.id).sort(), apps: apps.sort((a, b) => a.name.localeCompare(b.name)), records };
}

describe("malformed requests", () => {
  it("answer all 600 with 401 or a 4xx JSON error, never a 5xx or a stack trace, and accept nothing", {
    timeout: 240_000,
  }, async (context) => {
    // The token is really in force: without it even a well-formed call is refused.
    expect((await fetch(`${dev!.base}/v1/runs`)).status).toBe(401);
    const name = `target-${Date.now().toString(36)}`;
    const spec = {
      name,
      entities: [
        {
          name: "task",
          plural: "tasks",
          fields: {
            title: { type: "string", required: true, minLength: 1, maxLength: 100 },
            done: { type: "boolean", default: false },
          },
        },
      ],
    };
    const run = await http.finished((await http.post("/v1/runs", { request: "t", spec })).body.id, 90_000);
    expect(run.status).toBe("succeeded");
    const kept = (await http.post(`/apps/${name}/tasks`, { title: "target" })).body;
    const untouched = (await http.post(`/apps/${name}/tasks`, { title: "untouched" })).body;
    const appPaths = [
      `/apps/${name}/tasks`,
      `/apps/${name}/tasks/${kept.id}`,
      `/apps/${name}/tasks?limit=abc`,
      `/apps/${name}/%ff`,
      `/apps/${name}/tasks/${"z".repeat(500)}`,
    ];
    const before = await census(name);

    const next = random(7);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
    const failures: string[] = [];
    const seen = {
      "5xx": 0,
      "no answer": 0,
      "2xx to a write": 0,
      "stack traces": 0,
      "errors not JSON": 0,
      "4xx": 0,
      "bad or missing token": 0,
      "401 for them": 0,
      "401 with WWW-Authenticate: Bearer": 0,
    };
    // First every body as JSON, with the right token, to each place that writes; then random mixes.
    const writes: [string, string][] = [
      ["POST", "/v1/runs"],
      ["POST", `/apps/${name}/tasks`],
      ["PATCH", `/apps/${name}/tasks/${kept.id}`],
    ];
    const sweep = writes.flatMap(([method, path]) => BODIES.map((body) => ({ method, path, body })));
    for (let i = 0; i < 600; i++) {
      const swept = sweep[i];
      const method = swept?.method ?? pick(METHODS);
      let path = swept?.path ?? pick([...PATHS, ...appPaths]);
      // Deleting the addressed record is a well-formed request; its malformed cousin has a bad id.
      if (method === "DELETE" && path.endsWith(kept.id)) path = `${path}%00`;
      let body = swept?.body ?? (method === "GET" || method === "DELETE" ? undefined : pick(BODIES));
      // An empty patch is a well-formed no-op: its malformed cousin is cut short.
      if (method === "PATCH" && body === "{}") body = "{";
      const type = swept ? "application/json" : pick(TYPES);
      const headers: Record<string, string> = type ? { "content-type": type } : {};
      if (next() < 0.2) headers["idempotency-key"] = "k".repeat(Math.floor(next() * 400));
      // Two in five random calls carry a bad or no token; the rest the right one, to reach the validation.
      const badAuth = !swept && next() < 0.4;
      const auth = badAuth ? pick(BAD_AUTH) : `Bearer ${TOKEN}`;
      if (auth !== undefined) headers.authorization = auth;
      const sent = `${method} ${path} [${type}] auth=${auth?.slice(0, 20)} ${JSON.stringify(body)?.slice(0, 60)}`;
      let res: Response;
      let text: string;
      try {
        res = await fetch(`${dev!.base}${path}`, { method, body, headers });
        text = await res.text();
      } catch (err) {
        // No answer at all is the worst answer: the connection was dropped.
        seen["no answer"] += 1;
        failures.push(`no answer (${String((err as Error).cause ?? err)}): ${sent}`);
        continue;
      }
      // Where the request really goes: a client resolves `..` before sending.
      const guarded = new URL(path, dev!.base).pathname.startsWith("/v1/") && badAuth;
      const isJsonError = (() => {
        try {
          const e = JSON.parse(text).error;
          return typeof e?.code === "string" && typeof e?.message === "string";
        } catch {
          return false;
        }
      })();
      const problems = [
        res.status >= 500 && "5xx",
        method !== "GET" && res.status < 300 && "2xx to a write",
        LEAK.test(text) && "stack trace",
        res.status >= 400 && !isJsonError && "error not JSON",
        guarded && res.status !== 401 && "not 401 without the token",
        guarded && !/^Bearer\b/.test(res.headers.get("www-authenticate") ?? "") && "no WWW-Authenticate",
      ].filter(Boolean);
      seen["5xx"] += Number(res.status >= 500);
      seen["2xx to a write"] += Number(method !== "GET" && res.status < 300);
      seen["4xx"] += Number(res.status >= 400 && res.status < 500);
      seen["stack traces"] += Number(LEAK.test(text));
      seen["errors not JSON"] += Number(res.status >= 400 && !isJsonError);
      seen["bad or missing token"] += Number(guarded);
      seen["401 for them"] += Number(guarded && res.status === 401);
      seen["401 with WWW-Authenticate: Bearer"] += Number(
        guarded && res.status === 401 && /^Bearer\b/.test(res.headers.get("www-authenticate") ?? ""),
      );
      if (problems.length > 0) {
        failures.push(`${problems.join(", ")}: ${sent} → ${res.status} ${text.slice(0, 120)}`);
      }
    }
    const after = await census(name);
    measured(context, {
      requests: 600,
      ...seen,
      "runs before/after": `${before.runs.length}/${after.runs.length}`,
      "apps before/after": `${before.apps.length}/${after.apps.length}`,
      "app records before/after": `${before.records.length}/${after.records.length}`,
    });
    expect(failures).toEqual([]);
    expect(seen["bad or missing token"]).toBeGreaterThan(100);
    // Nothing accepted: the same runs, the same apps at the same versions, the same records, unchanged.
    expect(after).toEqual(before);
    expect(after.records).toContainEqual(kept);
    expect(after.records).toContainEqual(untouched);
  });
});
