import {
  type AppSpec,
  type Exchange,
  excerpt,
  type GeneratedFile,
  type TestCaseResult,
  type TestFinding,
  type TestReport,
  testReport,
} from "@aidevos/core";
import { scanSource } from "@aidevos/sandbox";
import { actionPath, declaredServerErrors, deliberateError } from "./action-routes";
import type { AppClient } from "./integration-suite";
import { type Destination, destinationOf } from "./routing";

/** Text that must never reach a client: stack frames, runtime internals, secrets. */
const LEAKS: [string, RegExp][] = [
  ["stack trace", /\n\s+at\s.+(\.js|\.ts|<anonymous>)/],
  ["stack trace", /\bat\s+\S+\s+\((?:file|worker|app|\w+\.js):\d+:\d+\)/],
  ["runtime internals", /Uncaught|internal error: |SQLITE_|sqlite3?_/i],
  ["secret", /sk-ant-[A-Za-z0-9_-]{10,}|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----/],
];

interface FuzzRequest {
  name: string;
  /** The route the request means to test; it is sent only when the app's routing takes it there. */
  target?: "entity" | "counter" | "action";
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
      requests.push({ name: `POST ${base}: ${name}`, target: "entity", method: "POST", path: base, body });
      requests.push({ name: `PATCH ${base}/x: ${name}`, target: "entity", method: "PATCH", path: `${base}/x`, body });
    }
    for (const [field, def] of Object.entries(entity.fields)) {
      for (const value of [null, [], {}, true, -1, 1.5, "", "x".repeat(5000), "2024-13-45T99:99:99Z"]) {
        requests.push({
          name: `POST ${base}: ${field} (${def.type}) = ${JSON.stringify(value).slice(0, 20)}`,
          target: "entity",
          method: "POST",
          path: base,
          body: JSON.stringify({ [field]: value }),
        });
      }
      requests.push({
        name: `GET ${base}?${field}= odd value`,
        target: "entity",
        method: "GET",
        path: `${base}?${field}=%00%ff'"`,
      });
    }
    requests.push({
      name: `GET ${base} with bad cursor`,
      target: "entity",
      method: "GET",
      path: `${base}?cursor=%27%22;DROP`,
    });
    requests.push({
      name: `GET ${base} with huge limit`,
      target: "entity",
      method: "GET",
      path: `${base}?limit=99999999999999999999`,
    });
    requests.push({
      name: `GET ${base}/id with SQL`,
      target: "entity",
      method: "GET",
      path: `${base}/1'%20OR%20'1'='1`,
    });
    requests.push({
      name: `POST ${base} with wrong content-type`,
      target: "entity",
      method: "POST",
      path: base,
      body: "a=1&b=2",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    requests.push({
      name: `POST ${base} with abusive headers`,
      target: "entity",
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
        target: "counter",
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
        requests.push({ name: `${route}: ${name}`, target: "action", method: action.method, path, body, allowed5xx });
    }
    if (path !== action.path) {
      requests.push({
        name: `${route}: odd parameter`,
        target: "action",
        method: action.method,
        path: actionPath(action, "%00%ff'%22"),
        allowed5xx,
      });
      requests.push({
        name: `${route}: long parameter`,
        target: "action",
        method: action.method,
        path: actionPath(action, "p".repeat(4000)),
        allowed5xx,
      });
    }
    requests.push({
      name: `${route}: odd query`,
      target: "action",
      method: action.method,
      path: `${path}?limit=-1&cursor=%27&q=%00%ff`,
      allowed5xx,
    });
  }
  return requests;
}

/**
 * Security tests: the policy scan of the source, then an HTTP fuzz of every route with bad input.
 * The compiled routes (entities, counters, the router) are gates: no 5xx, nothing leaked, storage
 * unchanged by rejected input. What the scan and the fuzz find in action code is a finding
 * (docs/appspec.md, "What gates a deploy"): the action's answer is its own, whatever its status.
 * A request is sent only where the app's routing takes it to the route it means to test; one that
 * lands on an action (a generic probe `GET /:slug` answers) is that action's finding.
 */
export async function runSecuritySuite(
  spec: AppSpec,
  files: readonly GeneratedFile[],
  send: (req: FuzzRequest) => ReturnType<AppClient>,
  countRecords: () => Promise<number>,
): Promise<TestReport> {
  const started = Date.now();
  const cases: TestCaseResult[] = [];
  const findings: TestFinding[] = [];
  const scanned = scanSource(files).filter((f) => f.severity === "error");
  const ofAction = (file: string | undefined) => /^actions\/([A-Za-z0-9]+)\.js$/.exec(file ?? "")?.[1];
  for (const f of scanned) {
    const action = ofAction(f.file);
    if (action)
      findings.push({
        check: "review",
        name: `review: ${f.rule} in action ${action} (${f.file}:${f.line ?? ""})`,
        message: f.message,
        action,
      });
  }
  const compiled = scanned.filter((f) => !ofAction(f.file));
  cases.push({
    name: "policy scan: no forbidden APIs, secrets or network calls in the compiled source",
    ok: compiled.length === 0,
    message: compiled.length
      ? compiled.map((f) => `${f.rule} ${f.file ?? ""}:${f.line ?? ""} ${f.message}`).join("; ")
      : undefined,
    durationMs: 0,
  });

  const routed = (req: FuzzRequest): Destination | null => {
    const d = destinationOf(spec, req.method, req.path);
    // A request meant for one route that the app sends elsewhere tests nothing it means to: not sent.
    if (req.target && req.target !== d.to) return null;
    return d;
  };
  const onActions: [FuzzRequest, string][] = [];
  const before = await countRecords();
  let created = 0;
  for (const req of fuzzRequests(spec)) {
    const d = routed(req);
    if (!d) continue;
    // Action code may write on any answer: it is fuzzed after the storage check.
    if (d.to === "action") {
      onActions.push([req, d.action.name]);
      continue;
    }
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
  for (const req of actionFuzzRequests(spec)) {
    const d = routed(req);
    if (d?.to === "action") onActions.push([req, d.action.name]);
  }
  for (const [req, action] of onActions) {
    const declared = spec.actions?.find((a) => a.name === action);
    const allowed5xx = req.allowed5xx ?? (declared ? declaredServerErrors(declared, spec) : undefined);
    const result = await fuzz({ ...req, allowed5xx }, send);
    if (!result.case.ok)
      findings.push({
        check: "fuzz",
        name: `action ${action}: ${result.case.name}`,
        message: result.case.message ?? "failed",
        action,
        ...(result.case.exchange ? { exchange: result.case.exchange } : {}),
      });
  }

  return testReport("security", cases, started, { findings });
}

/** One fuzz request: passing means no undeclared 5xx and nothing leaked in the answer. */
async function fuzz(
  req: FuzzRequest,
  send: (req: FuzzRequest) => ReturnType<AppClient>,
): Promise<{ status: number | null; case: TestCaseResult }> {
  const t0 = Date.now();
  let message: string | undefined;
  let status: number | null = null;
  const exchange: Exchange = { method: req.method, path: req.path.slice(0, 300), body: excerpt(req.body) };
  try {
    const res = await send(req);
    status = res.status;
    const text = typeof res.body === "string" ? res.body : JSON.stringify(res.body ?? "");
    exchange.status = res.status;
    exchange.answer = text.slice(0, 300);
    if (res.status >= 500 && !req.allowed5xx?.has(res.status) && !deliberateError(res))
      message = `${req.method} ${req.path.slice(0, 80)} answered ${res.status}: ${text.slice(0, 160)}`;
    const leak = LEAKS.find(([, re]) => re.test(text));
    if (leak) message = `response leaks a ${leak[0]}: ${text.slice(0, 160)}`;
  } catch (err) {
    message = `request failed: ${String(err).slice(0, 160)}`;
  }
  if (exchange.body === undefined) delete exchange.body;
  return {
    status,
    case: {
      name: `fuzz: ${req.name}`,
      ok: message === undefined,
      message,
      durationMs: Date.now() - t0,
      ...(message === undefined ? {} : { exchange }),
    },
  };
}
