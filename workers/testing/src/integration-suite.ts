import {
  type Action,
  type AppSpec,
  type Entity,
  entityOperations,
  type Operation,
  routeShape,
  type TestCaseResult,
  type TestReport,
  testReport,
  validRecord,
  wrongTypeValue,
} from "@aidevos/core";
import { actionPath, declaredServerErrors, shadowedOperations, sharesEntityRoute } from "./action-routes";

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

/**
 * Integration tests: drive the app over HTTP through the same host as production, against the
 * contract the spec promises (docs/appspec.md): every declared route, validation, error codes,
 * uniqueness and counters. Runs against throwaway staging storage.
 */
export async function runIntegrationSuite(spec: AppSpec, send: AppClient): Promise<TestReport> {
  const cases: TestCaseResult[] = [];
  const started = Date.now();
  // Without a key header every request shares one rate-limit bucket: a small limit leaves room for its own check only.
  const sharedBucket = spec.rateLimit !== undefined && !spec.rateLimit.keyHeader && spec.rateLimit.requests < 200;
  const check = async (name: string, body: () => Promise<void>) => {
    const t0 = Date.now();
    try {
      await body();
      cases.push({ name, ok: true, durationMs: Date.now() - t0 });
    } catch (err) {
      const message = err instanceof CaseFailure ? err.message : `threw: ${String(err)}`;
      cases.push({ name, ok: false, message, durationMs: Date.now() - t0 });
    }
  };

  if (!sharedBucket) await contractCases(spec, send, check);
  const limited = await rateLimitCase(spec, send);
  if (limited) cases.push(limited);

  return testReport("integration", cases, started);
}

type Check = (name: string, body: () => Promise<void>) => Promise<void>;

async function contractCases(spec: AppSpec, send: AppClient, check: Check) {
  for (const entity of spec.entities) await entityCases(entity, shadowedOperations(spec, entity), send, check);
  for (const counter of spec.counters ?? []) {
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
  for (const action of spec.actions ?? []) await actionCases(spec, action, send, check);
  await check("unknown routes answer a JSON 404", async () => {
    const res = await send("GET", "/__no_such_route__");
    expectStatus(res, 404, "unknown route");
    expectErrorCode(res, "not_found");
  });
  await check("an unknown counter answers 404", async () => {
    expectStatus(await send("GET", "/counters/__no_such_counter__"), 404, "unknown counter");
  });
}

/**
 * What the contract says of every action route, whatever its code: it answers (no 5xx but those
 * its examples declare), and another method on its path is 405 naming the action's method.
 */
async function actionCases(spec: AppSpec, action: Action, send: AppClient, check: Check) {
  const route = `${action.method} ${action.path}`;
  await check(`action ${action.name} (${route}): answers without an undeclared 5xx`, async () => {
    const res = await send(action.method, actionPath(action, "integration"), action.method === "GET" ? undefined : {});
    if (res.status >= 500 && !declaredServerErrors(action, spec).has(res.status))
      throw new CaseFailure(`status ${res.status}: ${JSON.stringify(res.body)?.slice(0, 200)}`);
  });
  if (sharesEntityRoute(spec, action)) return;
  const shape = (a: Action) => routeShape(a).split(" ")[1];
  const taken = new Set<string>((spec.actions ?? []).filter((a) => shape(a) === shape(action)).map((a) => a.method));
  const other = ["GET", "POST", "PUT", "PATCH", "DELETE"].find((m) => !taken.has(m));
  if (!other) return;
  await check(`action ${action.name}: ${other} on its path is 405 method_not_allowed`, async () => {
    const res = await send(other, actionPath(action, "integration"), other === "GET" ? undefined : {});
    expectStatus(res, 405, `${other} ${action.path}`);
    expectErrorCode(res, "method_not_allowed");
    if (!(res.headers.get("allow") ?? "").includes(action.method))
      throw new CaseFailure(`Allow is ${res.headers.get("allow")}, want it to name ${action.method}`);
  });
}

/** The contract of an entity's routes; those an action answers instead (`shadowed`) are the action's to keep. */
async function entityCases(entity: Entity, shadowed: Set<Operation>, send: AppClient, check: Check) {
  const ops = entityOperations(entity).filter((op) => !shadowed.has(op));
  const base = `/${entity.plural}`;
  const sample = validRecord(entity, 0);
  let created: any = null;

  if (ops.includes("create")) {
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
      if (field.required && sample) {
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
  } else if (!shadowed.has("create")) {
    await check(`${entity.name}: create is not offered`, async () => {
      expectStatus(await send("POST", base, sample ?? {}), [404, 405], `POST ${base}`);
    });
  }

  const id = created?.id ?? "00000000-0000-0000-0000-000000000000";
  if (ops.includes("get")) {
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
  if (ops.includes("list")) {
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
  if (ops.includes("update") && created) {
    await check(`${entity.name}: patch validates and answers the updated record`, async () => {
      const bad = await send("PATCH", `${base}/${id}`, { __unknown_field: 1 });
      expectStatus(bad, 400, "patch with unknown field");
      const res = await send("PATCH", `${base}/${id}`, {});
      expectStatus(res, 200, "empty patch");
      expectStatus(await send("PATCH", `${base}/no-such-id`, {}), 404, "patch unknown id");
    });
  }
  if (ops.includes("delete") && created) {
    await check(`${entity.name}: delete answers 204, then the record is gone`, async () => {
      const res = await send("DELETE", `${base}/${id}`);
      expectStatus(res, 204, "delete");
      if (ops.includes("get")) expectStatus(await send("GET", `${base}/${id}`), 404, "get after delete");
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
  const path = spec.entities[0] ? `/${spec.entities[0].plural}/no-such-id` : "/counters/__none__";
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
