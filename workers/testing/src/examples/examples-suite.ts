import {
  type AppSpec,
  type ExampleStep,
  type Exchange,
  excerpt,
  redactTokens,
  type TestCaseResult,
  type TestReport,
  testReport,
} from "@aidevos/core";
import { fill, match, pick } from "./expect";

/** Sends one request to one partition of the app under test (`key` null: the app's only one). */
export type PartitionFetch = (key: string | null, request: Request) => Promise<Response>;

/** The partition a perKey app's examples use until a step names its own `key`. */
const EXAMPLES_KEY = "examples";

interface Played {
  /** Who owns the step: "app" or the action's name. */
  owner: string;
  index: number;
  step: ExampleStep;
}

/** The spec's examples in the order they are played: the app's first, then each action's in spec order. */
export function examplesOf(spec: AppSpec): Played[] {
  return [
    ...(spec.examples ?? []).map((step, index) => ({ owner: "app", index, step })),
    ...(spec.actions ?? []).flatMap((a) => (a.examples ?? []).map((step, index) => ({ owner: a.name, index, step }))),
  ];
}

class StepFailure extends Error {
  constructor(
    message: string,
    readonly exchange?: Exchange,
  ) {
    super(message);
  }
}

/** A request body as a report shows it: password values read `***` (docs/appspec.md, Accounts). */
function shownBody(body: string | undefined): string | undefined {
  return excerpt(body?.replace(/("(?:password|currentPassword)"\s*:\s*)"(?:[^"\\]|\\.)*"/g, '$1"***"'));
}

/**
 * The examples gate: the app's and each action's examples, played in one partition of a staging
 * copy with empty storage, sharing saved `{{vars}}`. One case per step; the first failing step
 * ends the suite (later steps build on what it should have done), and its case says what was
 * wanted and what came back.
 */
export async function runExamplesSuite(spec: AppSpec, send: PartitionFetch): Promise<TestReport> {
  const started = Date.now();
  const cases: TestCaseResult[] = [];
  const played = examplesOf(spec);
  const vars: Record<string, unknown> = {};
  let key: string | null = spec.partition === "perKey" ? EXAMPLES_KEY : null;
  for (const [n, { owner, index, step }] of played.entries()) {
    if (step.key !== undefined && spec.partition === "perKey") key = step.key;
    const name = `${owner} example ${index + 1}: ${step.sleep !== undefined && !step.path ? `sleep ${step.sleep}s` : `${step.method ?? "GET"} ${step.path}`}`;
    const t0 = Date.now();
    try {
      await playStep(step, vars, (request) => send(key, request));
      cases.push({ name, ok: true, durationMs: Date.now() - t0 });
    } catch (err) {
      const left = played.length - n - 1;
      // Session tokens an answer issued (a signup saved for later steps) read *** in the report.
      const message = redactTokens(err instanceof StepFailure ? err.message : `threw: ${String(err)}`);
      const failed = err instanceof StepFailure ? err.exchange : undefined;
      const exchange = failed
        ? {
            ...failed,
            path: redactTokens(failed.path),
            ...(failed.answer === undefined ? {} : { answer: redactTokens(failed.answer) }),
            ...(failed.body === undefined ? {} : { body: redactTokens(failed.body) }),
          }
        : undefined;
      cases.push({
        name,
        ok: false,
        message: `${message}${left > 0 ? ` (${left} later step(s) not played)` : ""}`.slice(0, 1000),
        durationMs: Date.now() - t0,
        ...(exchange ? { exchange } : {}),
      });
      break;
    }
  }
  return testReport("examples", cases, started);
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

function requestOf(step: ExampleStep, vars: Record<string, unknown>): Request {
  const headers = new Headers(step.headers ? fill(step.headers, vars) : {});
  let body: string | undefined;
  if (step.raw !== undefined) body = step.raw;
  else if (step.body !== undefined) body = JSON.stringify(fill(step.body, vars));
  if (body !== undefined) headers.set("content-type", "application/json");
  return new Request(`http://app${fill(step.path ?? "/", vars)}`, {
    method: step.method ?? "GET",
    headers,
    body,
    redirect: "manual",
  });
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

async function playStep(step: ExampleStep, vars: Record<string, unknown>, send: (r: Request) => Promise<Response>) {
  if (step.sleep !== undefined) await new Promise((resolve) => setTimeout(resolve, step.sleep! * 1000));
  if (step.path === undefined) return;
  if (step.parallel !== undefined) {
    const statuses = await Promise.all(
      Array.from({ length: step.parallel }, async () => (await answer(await send(requestOf(step, vars)))).status),
    );
    const seen: Record<string, number> = {};
    for (const s of statuses) seen[s] = (seen[s] ?? 0) + 1;
    for (const [status, n] of Object.entries(step.statusCount ?? {})) {
      if ((seen[status] ?? 0) !== n)
        throw new StepFailure(
          `×${step.parallel}: statuses ${JSON.stringify(seen)}, want ${JSON.stringify(step.statusCount)}`,
        );
    }
    return;
  }
  const times = step.repeat ?? 1;
  for (let n = 0; n < times; n++) {
    const request = requestOf(step, vars);
    const sent = step.raw ?? (step.body === undefined ? undefined : JSON.stringify(fill(step.body, vars)));
    const got = await answer(await send(request));
    const last = n === times - 1;
    const problems = expectations(step, got, vars, last);
    if (problems.length > 0) {
      const url = new URL(request.url);
      const body = shownBody(sent);
      throw new StepFailure(`${times > 1 ? `request ${n + 1} of ${times}: ` : ""}${problems.join("; ")}`, {
        method: request.method,
        path: `${url.pathname}${url.search}`.slice(0, 300),
        ...(body === undefined ? {} : { body }),
        status: got.status,
        answer: got.text.slice(0, 300),
      });
    }
    if (last && step.save) for (const [k, p] of Object.entries(step.save)) vars[k] = pick(got.json, p);
  }
}

function expectations(step: ExampleStep, got: Answer, vars: Record<string, unknown>, last: boolean): string[] {
  const problems: string[] = [];
  const body = got.text.slice(0, 200);
  const status = last ? step.status : (step.statusBefore ?? step.status);
  if (status !== undefined && got.status !== status) problems.push(`status ${got.status}, want ${status}: ${body}`);
  if (step.statusIn && !step.statusIn.includes(got.status))
    problems.push(`status ${got.status}, want one of ${step.statusIn.join(", ")}: ${body}`);
  if (!last) return problems;
  if (step.json !== undefined) problems.push(...match(fill(step.json, vars), got.json));
  for (const [k, v] of Object.entries(step.header ?? {})) {
    const value = got.headers.get(k);
    if (v === "<any>" ? value === null : value !== fill(v, vars)) problems.push(`header ${k} = ${value}, want ${v}`);
  }
  for (const t of [step.text ?? []].flat()) {
    if (!got.text.includes(fill(t, vars))) problems.push(`body does not contain ${JSON.stringify(t)}: ${body}`);
  }
  for (const [p, len] of Object.entries(step.count ?? {})) {
    const items = pick(got.json, p);
    const have = Array.isArray(items) ? items.length : undefined;
    if (have !== len) problems.push(`${p} has ${have} items, want ${len}`);
  }
  return problems;
}
