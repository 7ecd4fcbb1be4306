import { type AppSpec, type GeneratedFile, type TestCaseResult, type TestReport, testReport } from "@aidevos/core";
import { scanSource } from "@aidevos/sandbox";
import { actionPath, declaredServerErrors } from "./action-routes";
import type { AppClient } from "./integration-suite";

/** Text that must never reach a client: stack frames, runtime internals, secrets. */
const LEAKS: [string, RegExp][] = [
  ["stack trace", /\n\s+at\s.+(\.js|\.ts|<anonymous>)/],
  ["stack trace", /\bat\s+\S+\s+\((?:file|worker|app|\w+\.js):\d+:\d+\)/],
  ["runtime internals", /Uncaught|internal error: |SQLITE_|sqlite3?_/i],
  ["secret", /sk-ant-[A-Za-z0-9_-]{10,}|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----/],
];

interface FuzzRequest {
  name: string;
  /** 5xx statuses this route may answer on purpose (an action's examples declare them). */
  allowed5xx?: Set<number>;
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

const MALFORMED_BODIES: [string, string][] = [
  ["malformed JSON", "{not json"],
  ["JSON array", "[1,2,3]"],
  ["JSON string", '"hello"'],
  ["JSON null", "null"],
  ["deeply nested", `${"[".repeat(2000)}${"]".repeat(2000)}`],
  ["prototype keys", '{"__proto__":{"polluted":true},"constructor":{"prototype":{}}}'],
  ["huge string", JSON.stringify({ value: "x".repeat(200_000) })],
  ["huge body", JSON.stringify({ value: "y".repeat(1_100_000) })],
  ["numbers out of range", '{"n":1e309,"m":-1e309,"i":9007199254740993}'],
];

function fuzzRequests(spec: AppSpec): FuzzRequest[] {
  const requests: FuzzRequest[] = [
    { name: "path traversal", method: "GET", path: "/../../etc/passwd" },
    { name: "encoded traversal", method: "GET", path: "/%2e%2e/%2e%2e/secrets" },
    { name: "very long path", method: "GET", path: `/${"a".repeat(8000)}` },
    { name: "unicode path", method: "GET", path: "/%F0%9F%92%A5/%00/%ff" },
    { name: "unknown method", method: "PUT", path: "/" },
  ];
  const bodies = MALFORMED_BODIES;
  for (const entity of spec.entities) {
    const base = `/${entity.plural}`;
    for (const [name, body] of bodies) {
      requests.push({ name: `POST ${base}: ${name}`, method: "POST", path: base, body });
      requests.push({ name: `PATCH ${base}/x: ${name}`, method: "PATCH", path: `${base}/x`, body });
    }
    for (const [field, def] of Object.entries(entity.fields)) {
      for (const value of [null, [], {}, true, -1, 1.5, "", "x".repeat(5000), "2024-13-45T99:99:99Z"]) {
        requests.push({
          name: `POST ${base}: ${field} (${def.type}) = ${JSON.stringify(value).slice(0, 20)}`,
          method: "POST",
          path: base,
          body: JSON.stringify({ [field]: value }),
        });
      }
      requests.push({ name: `GET ${base}?${field}= odd value`, method: "GET", path: `${base}?${field}=%00%ff'"` });
    }
    requests.push({ name: `GET ${base} with bad cursor`, method: "GET", path: `${base}?cursor=%27%22;DROP` });
    requests.push({ name: `GET ${base} with huge limit`, method: "GET", path: `${base}?limit=99999999999999999999` });
    requests.push({ name: `GET ${base}/id with SQL`, method: "GET", path: `${base}/1'%20OR%20'1'='1` });
    requests.push({
      name: `POST ${base} with wrong content-type`,
      method: "POST",
      path: base,
      body: "a=1&b=2",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    requests.push({
      name: `POST ${base} with abusive headers`,
      method: "POST",
      path: base,
      body: "{}",
      headers: { "x-forwarded-for": "1.1.1.1, ".repeat(500), "content-length-x": "-1", cookie: "a=".repeat(2000) },
    });
  }
  for (const counter of spec.counters ?? []) {
    for (const body of ['{"by":1e400}', '{"by":"1"}', '{"by":9007199254740993}', "[]", "{bad"]) {
      requests.push({
        name: `increment ${counter.name} with ${body}`,
        method: "POST",
        path: `/counters/${counter.name}/increment`,
        body,
      });
    }
  }
  return requests;
}

/**
 * Bad input to every action route: malformed bodies to the methods that take one, odd path
 * parameters and queries to all. Actions may write on any answer, so they are fuzzed after the
 * storage check; a 5xx passes only when the action's examples declare it.
 */
function actionFuzzRequests(spec: AppSpec): FuzzRequest[] {
  const requests: FuzzRequest[] = [];
  for (const action of spec.actions ?? []) {
    const route = `${action.method} ${action.path}`;
    const allowed5xx = declaredServerErrors(action, spec);
    const path = actionPath(action, "fuzz");
    if (action.method !== "GET") {
      for (const [name, body] of MALFORMED_BODIES)
        requests.push({ name: `${route}: ${name}`, method: action.method, path, body, allowed5xx });
    }
    if (path !== action.path) {
      requests.push({
        name: `${route}: odd parameter`,
        method: action.method,
        path: actionPath(action, "%00%ff'%22"),
        allowed5xx,
      });
      requests.push({
        name: `${route}: long parameter`,
        method: action.method,
        path: actionPath(action, "p".repeat(4000)),
        allowed5xx,
      });
    }
    requests.push({
      name: `${route}: odd query`,
      method: action.method,
      path: `${path}?limit=-1&cursor=%27&q=%00%ff`,
      allowed5xx,
    });
  }
  return requests;
}

/**
 * Security tests: the policy scan of the source, then an HTTP fuzz of every route with bad input.
 * Passing means no 5xx, nothing leaked in any response, and storage unchanged by rejected input.
 */
export async function runSecuritySuite(
  spec: AppSpec,
  files: readonly GeneratedFile[],
  send: (req: FuzzRequest) => ReturnType<AppClient>,
  countRecords: () => Promise<number>,
): Promise<TestReport> {
  const started = Date.now();
  const cases: TestCaseResult[] = [];
  const findings = scanSource(files).filter((f) => f.severity === "error");
  cases.push({
    name: "policy scan: no forbidden APIs, secrets or network calls in the source",
    ok: findings.length === 0,
    message: findings.length
      ? findings.map((f) => `${f.rule} ${f.file ?? ""}:${f.line ?? ""} ${f.message}`).join("; ")
      : undefined,
    durationMs: 0,
  });

  const before = await countRecords();
  let created = 0;
  for (const req of fuzzRequests(spec)) {
    const result = await fuzz(req, send);
    if (result.status === 201) created += 1;
    cases.push(result.case);
  }
  const after = await countRecords();
  cases.push({
    name: "storage changed only by accepted input",
    ok: after === before + created,
    message:
      after === before + created
        ? undefined
        : `${after - before} record(s) written, but only ${created} request(s) were answered 201`,
    durationMs: 0,
  });
  for (const req of actionFuzzRequests(spec)) cases.push((await fuzz(req, send)).case);

  return testReport("security", cases, started);
}

/** One fuzz request: passing means no undeclared 5xx and nothing leaked in the answer. */
async function fuzz(
  req: FuzzRequest,
  send: (req: FuzzRequest) => ReturnType<AppClient>,
): Promise<{ status: number | null; case: TestCaseResult }> {
  const t0 = Date.now();
  let message: string | undefined;
  let status: number | null = null;
  try {
    const res = await send(req);
    status = res.status;
    const text = typeof res.body === "string" ? res.body : JSON.stringify(res.body ?? "");
    if (res.status >= 500 && !req.allowed5xx?.has(res.status))
      message = `answered ${res.status}: ${text.slice(0, 160)}`;
    const leak = LEAKS.find(([, re]) => re.test(text));
    if (leak) message = `response leaks a ${leak[0]}: ${text.slice(0, 160)}`;
  } catch (err) {
    message = `request failed: ${String(err).slice(0, 160)}`;
  }
  return {
    status,
    case: { name: `fuzz: ${req.name}`, ok: message === undefined, message, durationMs: Date.now() - t0 },
  };
}
