// Proves how deployed apps become patterns (issue 31): only after a probation (AIDEVOS_PATTERN_PROBATION_HOURS)
// through which the version stayed live, was never rolled back and served real traffic; as its shape only (entities,
// fields, routes, examples: never its action code, which free text can then never carry into another app); under a
// name from its description; once per shape; never from junk, replayed or trafficless runs; and retirable by the API.
// A version the monitor rolls back on its own (a 5xx spike, through the traffic buffer's fast path, nobody reading the
// app's feed or metrics) stops being a candidate at the rollback: its review never even considers it.

import { env } from "cloudflare:workers";
import { setting } from "@aidevos/core";
import { knowledgeBaseOf } from "@aidevos/objects";
import { describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

const OWN_CODE = "herbarium-own-code";

function herbarium(name: string, description: string) {
  return {
    name,
    description,
    entities: [
      {
        name: "specimen",
        plural: "specimens",
        fields: { genus: { type: "string", required: true }, collected: { type: "datetime" } },
      },
    ],
    actions: [
      {
        name: "census",
        method: "GET",
        path: "/specimens/census",
        description: "How many specimens the herbarium holds",
        code: `export default async (req, ctx) => {\n  /* ${OWN_CODE} */\n  const { items } = await ctx.entities.specimens.list({ limit: 100 });\n  return { count: items.length };\n};\n`,
        examples: [{ path: "/specimens/census", status: 200, json: { count: 0 } }],
      },
    ],
  };
}

/** Requests as people send them: through the gateway, recorded by the app's monitor (waited for: they are batched). */
async function traffic(app: string, path: string, n: number) {
  for (let i = 0; i < n; i++) expect((await api(`/apps/${app}${path}`)).status).toBe(200);
  for (let i = 0; i < 200; i++) {
    const { buckets } = await json(await api(`/v1/apps/${app}/metrics?granularity=minute&limit=100`));
    if (buckets.reduce((sum: number, b: { requests: number }) => sum + b.requests, 0) >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the monitor of ${app} never saw ${n} requests`);
}

async function deploy(request: string, spec: unknown) {
  const run = await waitForRun((await startRun({ request, spec })).id, 25_000);
  expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
  return run;
}

/** Runs the probation review as the knowledge base's alarm would, once the probation is over. */
async function afterProbation() {
  const hours = setting(env, "AIDEVOS_PATTERN_PROBATION_HOURS");
  return knowledgeBaseOf(env).reviewPatternCandidates(Date.now() + hours * 3_600_000 + 1_000);
}

async function learnedPatterns(q: string) {
  const { items } = await json(await api(`/v1/knowledge?kind=pattern&limit=200&q=${encodeURIComponent(q)}`));
  return items.filter((e: { source: string }) => e.source === "learned");
}

describe("patterns learned from deployed apps", () => {
  it("a healthy app with real traffic becomes a pattern after its probation: its shape under a name from its description, never its code; the same shape again is evidence", {
    timeout: 120_000,
  }, async () => {
    const name = uniqueName("herbarium");
    const run = await deploy(
      "catalogue my herbarium specimens",
      herbarium(name, "A herbarium catalogue of pressed plant specimens"),
    );
    const events = await (await api(`/v1/runs/${run.id}/events`)).text();
    expect(events).toContain(`${name} v1 becomes an app pattern (its shape, no code) if on`);
    // Deployed and healthy is not enough: nothing is learned before the probation ends.
    expect(await learnedPatterns("herbarium")).toEqual([]);
    expect(await knowledgeBaseOf(env).reviewPatternCandidates()).toEqual([]);

    await traffic(name, "/specimens?limit=1", setting(env, "AIDEVOS_PATTERN_MIN_REQUESTS"));
    const decided = await afterProbation();
    expect(decided).toContainEqual(expect.objectContaining({ runId: run.id, outcome: "learned" }));
    const [learned, ...more] = await learnedPatterns("herbarium");
    expect(more).toEqual([]);
    expect(learned).toMatchObject({
      title: "App pattern: A herbarium catalogue of pressed plant specimens",
      source: "learned",
      kind: "pattern",
      retired: false,
    });
    expect(learned.app.spec.entities[0].plural).toBe("specimens");
    expect(learned.app.spec.actions[0]).toMatchObject({ method: "GET", path: "/specimens/census" });
    expect(learned.app.spec.actions[0].code).toBeUndefined();
    expect(JSON.stringify(learned)).not.toContain(OWN_CODE);
    expect(learned.app.production[0]).toMatch(/stayed healthy through its probation: \d+ real requests, 0 5xx/);

    // The same app under another name and wording adds evidence to the pattern it repeats.
    const again = uniqueName("pressed");
    const second = await deploy("a catalogue of my pressed plants", herbarium(again, "Pressed plants of my herbarium"));
    await traffic(again, "/specimens?limit=1", setting(env, "AIDEVOS_PATTERN_MIN_REQUESTS"));
    expect(await afterProbation()).toContainEqual(expect.objectContaining({ runId: second.id, outcome: "evidence" }));
    const after = await learnedPatterns("herbarium");
    expect(after).toHaveLength(1);
    expect(after[0].evidence).toEqual([`run ${run.id}`, `run ${second.id}`]);

    // Free text that matches it is never built with the learned app's code: offline nothing can write
    // the actions a shape names, so the request is refused, naming the pattern as the closest.
    const res = await api("/v1/runs", { method: "POST", json: { request: "a catalogue of herbarium specimens" } });
    expect(res.status).toBe(422);
    const { error } = await json(res);
    expect(error.details[0].message).toContain("A herbarium catalogue of pressed plant specimens");
    expect(JSON.stringify(error)).not.toContain(OWN_CODE);

    // A pattern can be retired: kept for the record, never matched again.
    const retired = await json(await api(`/v1/knowledge/${learned.id}/retire`, { method: "POST" }));
    expect(retired.retired).toBe(true);
    const refused = await json(
      await api("/v1/runs", { method: "POST", json: { request: "a catalogue of herbarium specimens" } }),
    );
    expect(JSON.stringify(refused.error.details)).not.toContain("herbarium");
  });

  it("junk, trafficless and rolled-back apps never become patterns, and each says why", {
    timeout: 120_000,
  }, async () => {
    const junk = await deploy("t", { ...herbarium(uniqueName("bigbody"), "t"), actions: [] });
    expect(await (await api(`/v1/runs/${junk.id}/events`)).text()).toContain("is not an app pattern: its description");

    // Deployed by a test, never used by anyone.
    const quiet = uniqueName("quiet");
    const unused = await deploy("a register of quiet library books", {
      name: quiet,
      description: "A register of quiet library books",
      entities: [{ name: "book", plural: "books", fields: { title: { type: "string", required: true } } }],
    });

    // Used, then rolled back.
    const back = uniqueName("rolled");
    const spec = {
      name: back,
      description: "A ledger of borrowed garden tools",
      entities: [{ name: "tool", plural: "tools", fields: { label: { type: "string", required: true } } }],
    };
    const v1 = await deploy("a ledger of borrowed garden tools", spec);
    const v2 = await deploy("a ledger of borrowed garden tools with owners", {
      ...spec,
      entities: [{ ...spec.entities[0], fields: { ...spec.entities[0]!.fields, owner: { type: "string" } } }],
    });
    await traffic(back, "/tools?limit=1", setting(env, "AIDEVOS_PATTERN_MIN_REQUESTS"));
    expect((await api(`/v1/apps/${back}/rollback`, { method: "POST", json: {} })).status).toBe(200);

    const decided = await afterProbation();
    const about = (runId: string) => decided.find((d) => d.runId === runId);
    expect(about(junk.id)).toBeUndefined();
    expect(about(unused.id)).toMatchObject({ outcome: "dropped", why: expect.stringMatching(/^0 real request\(s\)/) });
    expect(about(v2.id)).toMatchObject({ outcome: "dropped", why: "v2 was rolled back" });
    expect(about(v1.id)).toMatchObject({ outcome: "dropped" });
    const { items } = await json(await api("/v1/knowledge?kind=pattern&limit=200"));
    const titles = items
      .filter((e: { source: string }) => e.source === "learned")
      .map((e: { title: string }) => e.title);
    expect(titles.join("\n")).not.toMatch(/bigbody|quiet library|garden tools|App pattern: t$/);
  });

  it("a version the monitor rolled back automatically is no candidate from the rollback on, whatever traffic it had", {
    timeout: 120_000,
  }, async () => {
    const name = uniqueName("sheds");
    const spec = {
      name,
      description: "A ledger of shared allotment sheds and their keys",
      entities: [{ name: "shed", plural: "sheds", fields: { label: { type: "string", required: true } } }],
    };
    await deploy("a ledger of allotment sheds", spec);
    // v2 serves its records well and fails one action, on a query no test sends: a bug only production finds.
    const v2 = await deploy("a ledger of allotment sheds with a key check", {
      ...spec,
      actions: [
        {
          name: "keyCheck",
          method: "GET",
          path: "/sheds/keys",
          code: 'export default async (req, ctx) => {\n  if (ctx.query.get("key") === "rusted-shut") throw new Error("the lock broke");\n  return { ok: true };\n};\n',
          examples: [{ path: "/sheds/keys", status: 200, json: { ok: true } }],
        },
      ],
    });
    expect(v2.app?.version).toBe(2);
    const events = await (await api(`/v1/runs/${v2.id}/events`)).text();
    expect(events).toContain(`${name} v2 becomes an app pattern (its shape, no code) if on`);
    // Real traffic enough for a pattern, then the failing query until the monitor rolls v2 back.
    await traffic(name, "/sheds?limit=1", setting(env, "AIDEVOS_PATTERN_MIN_REQUESTS"));
    const healthy = setting(env, "AIDEVOS_PATTERN_MIN_REQUESTS");
    for (let i = 0; i < healthy + 10; i++) {
      const res = await api(`/apps/${name}/sheds/keys?key=rusted-shut`);
      expect(res.status).toBe(500);
      await res.text();
    }
    // Waited for through the Registry's history only: a feed, metrics or errors read would hand the held
    // requests to the monitor itself, so the rollback comes from the traffic buffer's 5xx fast path alone.
    let history: { action: string; version: number; fromVersion: number }[] = [];
    for (const deadline = Date.now() + 20_000; !history.some((h) => h.action === "rollback"); ) {
      if (Date.now() > deadline) throw new Error(`no automatic rollback of ${name}: ${JSON.stringify(history)}`);
      await new Promise((r) => setTimeout(r, 100));
      history = (await json(await api(`/v1/apps/${name}`))).history;
    }
    expect(history.find((h) => h.action === "rollback")).toMatchObject({ version: 1, fromVersion: 2 });

    // From the rollback on, v2 is no candidate: the review after the probation does not consider it at all
    // (neither learned nor dropped for its 5xx share or its traffic), and no pattern carries its description.
    const decided = await afterProbation();
    expect(decided.find((d) => d.runId === v2.id)).toBeUndefined();
    expect(await learnedPatterns("allotment sheds")).toEqual([]);
  });
});
