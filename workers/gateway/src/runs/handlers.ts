import {
  AppExistsError,
  appNameFromRequest,
  IdempotencyKeyReusedError,
  NotFoundError,
  SpendCapReachedError,
  sha256Hex,
  ValidationError,
} from "@aidevos/core";
import { assertFixture, providerName } from "@aidevos/llm";
import { idempotentRunOf, newRunOf, registryOf, runOf } from "@aidevos/objects";
import { OpenAPIHono } from "@hono/zod-openapi";
import { validationHook } from "../errors";
import { type PatternChoice, specFromPatterns } from "./from-pattern";
import {
  cancelRunRoute,
  createRunRoute,
  getRunRoute,
  listRunsRoute,
  runEventsRoute,
  runFilesRoute,
  runTestsRoute,
} from "./routes";

function runStub(env: Env, id: string) {
  const stub = runOf(env, id);
  if (!stub) throw new NotFoundError(`run ${id}`);
  return stub;
}

export const runs = new OpenAPIHono<{ Bindings: Env }>({ defaultHook: validationHook });

runs.openapi(createRunRoute, async (c) => {
  const body = c.req.valid("json");
  const key = c.req.valid("header")["idempotency-key"];
  if (body.app && body.spec && body.app !== body.spec.name) {
    throw new ValidationError([
      { path: "app", message: `must equal spec.name ("${body.spec.name}") when both are given` },
    ]);
  }
  if (body.options?.replay) assertFixture(body.options.replay);
  let spec = body.spec;
  let fromPattern: PatternChoice | undefined;
  // Free text that names no app builds a new app: it never deploys over one that exists (issue 31).
  let newApp = !body.spec && !body.app;
  if (providerName(c.env, body.options) === "offline") {
    // Offline nothing writes a spec: free text is built from the knowledge base's closest app pattern,
    // as a new app named from the request (or the `app` given, when no app has that name).
    if (!spec) {
      const registry = registryOf(c.env);
      if (body.app && (await registry.getApp(body.app)))
        throw new AppExistsError(
          body.app,
          "offline, free text cannot change an existing app (nothing writes the change, and a pattern would replace it); send its new spec in `spec`",
        );
      const name = body.app ?? (await registry.freeAppName(appNameFromRequest(body.request)));
      fromPattern = await specFromPatterns(c.env, body.request, name);
      spec = fromPattern.spec;
      newApp = true;
    }
    // Offline nothing writes code: each action and each module must bring its own.
    const missing = [
      ...(spec.actions ?? []).flatMap((a, i) =>
        a.code === undefined
          ? [{ path: `spec.actions.${i}.code`, message: `action ${a.name}: code is required offline` }]
          : [],
      ),
      ...(spec.modules ?? []).flatMap((m, i) =>
        m.code === undefined
          ? [{ path: `spec.modules.${i}.code`, message: `module ${m.name}: code is required offline` }]
          : [],
      ),
    ];
    if (missing.length > 0) throw new ValidationError(missing);
  }
  // A keyed run lives at an id derived from the key, so a replay finds the same run.
  const { run } = key ? idempotentRunOf(c.env, key) : newRunOf(c.env);
  const started = await run.start({
    request: body.request,
    spec,
    app: body.app ?? spec?.name,
    ...(newApp ? { newApp } : {}),
    ...(fromPattern
      ? { pattern: { id: fromPattern.pattern.id, title: fromPattern.pattern.title, score: fromPattern.pattern.score } }
      : {}),
    options: body.options,
    bodyHash: await sha256Hex(await c.req.text()),
  });
  if (started.kind === "mismatch") throw new IdempotencyKeyReusedError();
  if (started.kind === "refused") throw new SpendCapReachedError(started.spentUsd, started.capUsd);
  if (fromPattern && started.kind === "created") {
    const { title, score, threshold } = fromPattern.pattern;
    await run.log(
      "planning",
      "info",
      `built from the pattern "${title}" (match score ${score}, threshold ${threshold})`,
      {
        pattern: fromPattern.pattern,
        closest: fromPattern.closest,
      },
    );
  }
  c.header("location", started.run.links.self);
  return c.json(started.run, 202);
});

runs.openapi(listRunsRoute, async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const page = await registryOf(c.env).listRuns(limit, cursor);
  if (!page) throw new ValidationError([{ path: "cursor", message: "not a cursor from this list" }]);
  return c.json(page, 200);
});

runs.openapi(getRunRoute, async (c) => {
  const { id } = c.req.valid("param");
  const run = await runStub(c.env, id).get();
  if (!run) throw new NotFoundError(`run ${id}`);
  return c.json(run, 200);
});

runs.openapi(cancelRunRoute, async (c) => {
  const { id } = c.req.valid("param");
  const run = await runStub(c.env, id).cancel();
  if (!run) throw new NotFoundError(`run ${id}`);
  return c.json(run, 200);
});

runs.openapi(runEventsRoute, async (c) => {
  const { id } = c.req.valid("param");
  const res = await runStub(c.env, id).fetch(c.req.raw);
  if (res.status === 404) throw new NotFoundError(`run ${id}`);
  return res as unknown as Response & { _data: string; _status: 200; _format: "text" };
});

runs.openapi(runTestsRoute, async (c) => {
  const { id } = c.req.valid("param");
  const stub = runStub(c.env, id);
  if (!(await stub.get())) throw new NotFoundError(`run ${id}`);
  const tests = await stub.testReports();
  return c.json(tests ?? { round: null, reports: [] }, 200);
});

runs.openapi(runFilesRoute, async (c) => {
  const { id } = c.req.valid("param");
  const stub = runStub(c.env, id);
  if (!(await stub.get())) throw new NotFoundError(`run ${id}`);
  const files = await stub.files();
  return c.json(files ?? { round: null, files: [] }, 200);
});
