import {
  type Action,
  type AppSpec,
  type Entity,
  type Exchange,
  excerpt,
  routeShape,
  type TestCaseResult,
  type TestFinding,
  type TestReport,
  testReport,
  validRecord,
  wrongTypeValue,
} from "@aidevos/core";
import { actionPath, declaredServerErrors, deliberateError, sharesEntityRoute } from "./action-routes";
import { destinationOf, reachesAction, reachesEntity } from "./routing";

/** Sends one request to the app under test; paths are relative to the app's base. */
export type AppClient = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<{ status: number; body: any; headers: Headers }>;

class CaseFailure extends Error {}

function expectStatus(res: { status: number; body: any }, want: number | number[], what: string) {
  const ok = Array.isArray(want) ? want.includes(res.status) : res.status === want;
  if (!ok)
    throw new CaseFailure(`${what}: status ${res.status}, want ${want}: ${JSON.stringify(res.body)?.slice(0, 200)}`);
}

function expectErrorCode(res: { body: any }, code: string) {
  if (res.body?.error?.code !== code)
    throw new CaseFailure(`want error code ${code}, got ${JSON.stringify(res.body)?.slice(0, 200)}`);
}

/** A client that remembers its last request and answer, so a failed case can say what it sent. */
function recording(send: AppClient): { send: AppClient; last: () => Exchange | undefined } {
  let last: Exchange | undefined;
  return {
    send: async (method, path, body, headers) => {
      last = { method, path, ...(body === undefined ? {} : { body: excerpt(body) }) };
      const res = await send(method, path, body, headers);
      last = { ...last, status: res.status, ...(res.body === undefined ? {} : { answer: excerpt(res.body) }) };
      return res;
    },
    last: () => last,
  };
}

/**
 * Integration tests: drive the app over HTTP through the same host as production, against the
 * contract the spec promises (docs/appspec.md): every declared route, validation, error codes,
 * uniqueness and counters. Runs against throwaway staging storage.
 */
export async function runIntegrationSuite(spec: AppSpec, client: AppClient): Promise<TestReport> {
  const cases: TestCaseResult[] = [];
  const findings: TestFinding[] = [];
  const started = Date.now();
  const { send, last } = recording(client);
  // Without a key header every request shares one rate-limit bucket: a small limit leaves room for its own check only.
  const sharedBucket = spec.rateLimit !== undefined && !spec.rateLimit.keyHeader && spec.rateLimit.requests < 200;
  const check = async (name: string, body: () => Promise<void>) => {
    const t0 = Date.now();
    try {
      await body();
      cases.push({ name, ok: true, durationMs: Date.now() - t0 });
    } catch (err) {
      const message = err instanceof CaseFailure ? err.message : `threw: ${String(err)}`;
      const exchange = last();
      cases.push({ name, ok: false, message, durationMs: Date.now() - t0, ...(exchange ? { exchange } : {}) });
    }
  };
  // A check of action code: what it finds is a finding (a warning), never a failed gate.
  const inspect = async (name: string, check: TestFinding["check"], action: Action, body: () => Promise<void>) => {
    try {
      await body();
    } catch (err) {
      const message = err instanceof CaseFailure ? err.message : `could not be checked: ${String(err)}`;
      const exchange = last();
      findings.push({ check, name, message, action: action.name, ...(exchange ? { exchange } : {}) });
    }
  };

  if (!sharedBucket) await contractCases(spec, send, check, inspect);
  const limited = await rateLimitCase(spec, send);
  if (limited) cases.push(limited);

  return testReport("integration", cases, started, { findings });
}

type Check = (name: string, body: () => Promise<void>) => Promise<void>;
type Inspect = (name: string, check: TestFinding["check"], action: Action, body: () => Promise<void>) => Promise<void>;

async function contractCases(spec: AppSpec, send: AppClient, check: Check, inspect: Inspect) {
  for (const entity of spec.entities) await entityCases(spec, entity, send, check);
  for (const counter of spec.counters ?? []) {
    // An action may answer a counter's path instead (`GET /:a/:b`): then it is the action's route.
    if (destinationOf(spec, "GET", `/counters/${counter.name}`).to !== "counter") continue;
    if (destinationOf(spec, "POST", `/counters/${counter.name}/increment`).to !== "counter") continue;
    await check(`counter ${counter.name}: reads 0, increments atomically, validates "by"`, async () => {
      const first = await send("GET", `/counters/${counter.name}`);
      expectStatus(first, 200, "GET counter");
      const before = first.body.value;
      const inc = await send("POST", `/counters/${counter.name}/increment`, { by: 2 });
      expectStatus(inc, 200, "increment by 2");
      if (inc.body.value !== before + 2) throw new CaseFailure(`value ${inc.body.value}, want ${before + 2}`);
      const bad = await send("POST", `/counters/${counter.name}/increment`, { by: "x" });
      expectStatus(bad, 400, "increment by a string");
      expectErrorCode(bad, "validation_failed");
    });
  }
  for (const action of spec.actions ?? []) await actionCases(spec, action, send, inspect);
  if (destinationOf(spec, "GET", "/__no_such_route__").to === "none")
    await check("unknown routes answer a JSON 404", async () => {
      const res = await send("GET", "/__no_such_route__");
      expectStatus(res, 404, "unknown route");
      expectErrorCode(res, "not_found");
    });
  if (destinationOf(spec, "GET", "/counters/__no_such_counter__").to !== "action")
    await check("an unknown counter answers 404", async () => {
      expectStatus(await send("GET", "/counters/__no_such_counter__"), 404, "unknown counter");
    });
}

/**
 * Checks derived for each action's code (findings, not gates): it answers a plain request without
 * an undeclared 5xx, and another method on its path is 405 naming the action's method. Each
 * request goes only where the app's routing sends it to this action (or, for the 405, to no route).
 */
async function actionCases(spec: AppSpec, action: Action, send: AppClient, inspect: Inspect) {
  const route = `${action.method} ${action.path}`;
  const path = actionPath(action, "integration");
  if (reachesAction(spec, action, action.method, path))
    await inspect(`action ${action.name} (${route}): answers without an undeclared 5xx`, "status", action, async () => {
      const res = await send(action.method, path, action.method === "GET" ? undefined : {});
      if (res.status >= 500 && !declaredServerErrors(action, spec).has(res.status) && !deliberateError(res))
        throw new CaseFailure(
          `${route} answers ${res.status} to a plain request: ${JSON.stringify(res.body)?.slice(0, 200)}`,
        );
    });
  if (sharesEntityRoute(spec, action)) return;
  const shape = (a: Action) => routeShape(a).split(" ")[1];
  const taken = new Set<string>((spec.actions ?? []).filter((a) => shape(a) === shape(action)).map((a) => a.method));
  // A method no action of this shape has, and that no other action answers on this very path
  // (`POST /recipes/upload` beside `GET /recipes/:id`: GET /recipes/upload is the `:id` action's).
  const other = ["GET", "POST", "PUT", "PATCH", "DELETE"].find(
    (m) => !taken.has(m) && destinationOf(spec, m, path).to === "none",
  );
  if (!other) return;
  await inspect(
    `action ${action.name} (${route}): ${other} on its path is 405 method_not_allowed`,
    "route",
    action,
    async () => {
      const res = await send(other, actionPath(action, "integration"), other === "GET" ? undefined : {});
      expectStatus(res, 405, `${other} ${action.path}`);
      expectErrorCode(res, "method_not_allowed");
      if (!(res.headers.get("allow") ?? "").includes(action.method))
        throw new CaseFailure(`Allow is ${res.headers.get("allow")}, want it to name ${action.method}`);
    },
  );
}

/**
 * The contract of an entity's routes. Each case sends only requests the app's routing delivers to
 * this entity's route: an operation the spec leaves out, or a request an action answers instead,
 * is not this entity's to keep.
 */
async function entityCases(spec: AppSpec, entity: Entity, send: AppClient, check: Check) {
  const base = `/${entity.plural}`;
  const reaches = (method: string, ...paths: string[]) => paths.every((p) => reachesEntity(spec, entity, method, p));
  const sample = validRecord(entity, 0);
  let created: any = null;

  if (reaches("POST", base)) {
    if (sample === null) {
      await check(`${entity.name}: create (no sample value fits the spec's patterns; skipped)`, async () => {});
    } else {
      await check(`${entity.name}: create answers 201 with id, every field and timestamps`, async () => {
        const res = await send("POST", base, sample);
        expectStatus(res, 201, `POST ${base}`);
        created = res.body;
        for (const key of ["id", "createdAt", "updatedAt", ...Object.keys(entity.fields)]) {
          if (!(key in created)) throw new CaseFailure(`record lacks "${key}"`);
        }
        for (const [name, field] of Object.entries(entity.fields)) {
          if (field.default !== undefined && !(name in sample) && created[name] !== field.default)
            throw new CaseFailure(`"${name}" is ${JSON.stringify(created[name])}, want its default`);
        }
      });
    }
    await check(`${entity.name}: malformed JSON is invalid_json`, async () => {
      const res = await send("POST", base, "{not json");
      expectStatus(res, 400, "malformed body");
      expectErrorCode(res, "invalid_json");
    });
    await check(`${entity.name}: unknown fields are validation_failed`, async () => {
      const res = await send("POST", base, { ...(sample ?? {}), __unknown_field: 1 });
      expectStatus(res, 400, "unknown field");
      expectErrorCode(res, "validation_failed");
    });
    for (const [name, field] of Object.entries(entity.fields)) {
      // A json field takes every JSON value: it has no wrong type.
      if (wrongTypeValue(field) !== undefined)
        await check(`${entity.name}.${name}: a wrong type is validation_failed naming the field`, async () => {
          const res = await send("POST", base, { ...(sample ?? {}), [name]: wrongTypeValue(field) });
          expectStatus(res, 400, `wrong type for ${name}`);
          expectErrorCode(res, "validation_failed");
          if (!JSON.stringify(res.body.error.details ?? []).includes(name))
            throw new CaseFailure(`details do not name "${name}": ${JSON.stringify(res.body.error.details)}`);
        });
      // A required field with a default takes the default when a create omits it (SQL's NOT NULL DEFAULT).
      if (field.required && field.default === undefined && sample) {
        await check(`${entity.name}.${name}: missing a required field is validation_failed`, async () => {
          const { [name]: _, ...rest } = sample;
          const res = await send("POST", base, rest);
          expectStatus(res, 400, `missing ${name}`);
          expectErrorCode(res, "validation_failed");
        });
      }
    }
    for (const unique of entity.unique ?? []) {
      if (!created) continue;
      // A composite key (AppSpec v2) repeats when all of its fields do.
      const key = Array.isArray(unique) ? unique : [unique];
      const field = key.join(", ");
      await check(`${entity.name}.${field}: a repeated unique value is a 409 conflict`, async () => {
        const other = validRecord(entity, 7) ?? {};
        const res = await send("POST", base, { ...other, ...Object.fromEntries(key.map((f) => [f, created[f]])) });
        expectStatus(res, 409, `repeated ${field}`);
        expectErrorCode(res, "conflict");
      });
    }
  } else if (destinationOf(spec, "POST", base).to === "none") {
    await check(`${entity.name}: create is not offered`, async () => {
      expectStatus(await send("POST", base, sample ?? {}), [404, 405], `POST ${base}`);
    });
  }

  const id = created?.id ?? "00000000-0000-0000-0000-000000000000";
  if (reaches("GET", `${base}/${id}`, `${base}/no-such-id`)) {
    await check(`${entity.name}: get answers the record, and 404 for an unknown id`, async () => {
      if (created) {
        const res = await send("GET", `${base}/${id}`);
        expectStatus(res, 200, "GET created record");
        if (res.body.id !== id) throw new CaseFailure(`got id ${res.body.id}`);
      }
      const missing = await send("GET", `${base}/no-such-id`);
      expectStatus(missing, 404, "GET unknown id");
      expectErrorCode(missing, "not_found");
    });
  }
  if (reaches("GET", base)) {
    await check(`${entity.name}: list pages with limit and rejects bad queries`, async () => {
      const res = await send("GET", `${base}?limit=1`);
      expectStatus(res, 200, "list");
      if (!Array.isArray(res.body.items) || !("nextCursor" in res.body))
        throw new CaseFailure("not { items, nextCursor }");
      if (res.body.items.length > 1) throw new CaseFailure(`limit=1 gave ${res.body.items.length} items`);
      expectStatus(await send("GET", `${base}?limit=0`), 400, "limit=0");
      expectStatus(await send("GET", `${base}?limit=101`), 400, "limit=101");
      expectStatus(await send("GET", `${base}?__unknown_filter=1`), 400, "unknown filter");
    });
  }
  if (created && reaches("PATCH", `${base}/${id}`, `${base}/no-such-id`)) {
    await check(`${entity.name}: patch validates and answers the updated record`, async () => {
      const bad = await send("PATCH", `${base}/${id}`, { __unknown_field: 1 });
      expectStatus(bad, 400, "patch with unknown field");
      const res = await send("PATCH", `${base}/${id}`, {});
      expectStatus(res, 200, "empty patch");
      expectStatus(await send("PATCH", `${base}/no-such-id`, {}), 404, "patch unknown id");
    });
  }
  if (created && reaches("DELETE", `${base}/${id}`)) {
    await check(`${entity.name}: delete answers 204, then the record is gone`, async () => {
      const res = await send("DELETE", `${base}/${id}`);
      expectStatus(res, 204, "delete");
      if (reaches("GET", `${base}/${id}`)) expectStatus(await send("GET", `${base}/${id}`), 404, "get after delete");
      expectStatus(await send("DELETE", `${base}/${id}`), 404, "second delete");
    });
  }
}

/** The rate limit holds: `requests` pass in one window for one key, the next is 429 with Retry-After. */
async function rateLimitCase(spec: AppSpec, send: AppClient): Promise<TestCaseResult | null> {
  const limit = spec.rateLimit;
  if (!limit || limit.requests > 200) return null;
  const t0 = Date.now();
  const headers: Record<string, string> = limit.keyHeader ? { [limit.keyHeader]: "integration-rate-check" } : {};
  // The limit holds across every route; a path no action answers keeps action code out of it.
  const candidates = [
    ...spec.entities.map((e) => `/${e.plural}/no-such-id`),
    "/counters/__none__",
    "/__rate_limit_check__",
  ];
  const path = candidates.find((p) => destinationOf(spec, "GET", p).to !== "action") ?? candidates.at(-1)!;
  for (let i = 0; i < limit.requests; i++) {
    const res = await send("GET", path, undefined, headers);
    if (res.status === 429) {
      return {
        name: "rate limit",
        ok: false,
        message: `limited after ${i} requests, want ${limit.requests}`,
        durationMs: Date.now() - t0,
      };
    }
  }
  const over = await send("GET", path, undefined, headers);
  const ok =
    over.status === 429 && over.body?.error?.code === "rate_limited" && Number(over.headers.get("retry-after")) >= 1;
  return {
    name: `rate limit: ${limit.requests} requests per ${limit.windowSeconds}s, then 429 rate_limited with Retry-After`,
    ok,
    message: ok
      ? undefined
      : `request ${limit.requests + 1}: status ${over.status}, retry-after ${over.headers.get("retry-after")}`,
    durationMs: Date.now() - t0,
  };
}
