// Proves runs kept are bounded (issue 27, attack 8: about 1.7 MB per run, kept forever): with AIDEVOS_RUNS_KEPT = 2,
// a finished run past the newest two keeps its summary (id, status, app, request, times, stage states) and drops its
// events, test reports, generated files and every stage's records; its storage (the run's object and its six stage
// objects) shrinks to a small fixed size, and the API still answers it.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { api, json, startRun, todoSpec, uniqueName, waitForRun } from "../support/api";

const settings = env as unknown as Record<string, string | undefined>;
const saved = settings.AIDEVOS_RUNS_KEPT;
afterEach(() => {
  settings.AIDEVOS_RUNS_KEPT = saved;
});

const STAGE_BINDINGS = ["PLANNING", "CODEGEN", "TESTING", "DEPLOY", "MONITORING", "LEARNING"] as const;

/** Bytes of SQLite the run's object and its stage objects hold. */
async function runStorage(runId: string): Promise<number> {
  const sizes = [
    await runInDurableObject(env.RUNS.get(env.RUNS.idFromString(runId)), (_o, state) => state.storage.sql.databaseSize),
  ];
  for (const binding of STAGE_BINDINGS) {
    const ns = env[binding] as DurableObjectNamespace;
    sizes.push(await runInDurableObject(ns.get(ns.idFromName(runId)), (_o, state) => state.storage.sql.databaseSize));
  }
  return sizes.reduce((a, b) => a + b, 0);
}

/** The messages of the run's events, as its object holds them. */
function events(runId: string) {
  return runInDurableObject(env.RUNS.get(env.RUNS.idFromString(runId)), (_o, state) =>
    state.storage.sql.exec<{ message: string }>("SELECT message FROM events ORDER BY seq").toArray(),
  );
}

describe("runs kept", () => {
  it("past AIDEVOS_RUNS_KEPT, older finished runs keep their summary only, and their storage shrinks", {
    timeout: 120_000,
  }, async () => {
    settings.AIDEVOS_RUNS_KEPT = "2";
    const name = uniqueName("kept");
    const first = await waitForRun((await startRun({ request: "a todo app", spec: todoSpec(name) })).id);
    expect(first.status).toBe("succeeded");
    const before = await runStorage(first.id);
    const filesBefore = await json(await api(`/v1/runs/${first.id}/files`));
    expect(filesBefore.files.length).toBeGreaterThan(3);

    // Three more finished runs (cancelled at once: cheap), so `first` is third newest, then fourth.
    const later: string[] = [];
    for (let n = 0; n < 3; n++) {
      const run = await startRun({ request: `later ${n}`, spec: todoSpec(uniqueName("later")) });
      await api(`/v1/runs/${run.id}/cancel`, { method: "POST" });
      later.push(run.id);
    }
    const deadline = Date.now() + 60_000;
    let after = await runStorage(first.id);
    while (after >= before / 4 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      after = await runStorage(first.id);
    }
    const summary = await json(await api(`/v1/runs/${first.id}`));
    console.log(`run storage: ${before} bytes whole, ${after} bytes summarised`);
    expect(after).toBeLessThan(before / 4);
    // The summary answers as before: id, status, app, request, times.
    expect(summary).toMatchObject({
      id: first.id,
      status: "succeeded",
      request: "a todo app",
      app: { name, version: 1 },
      createdAt: first.createdAt,
    });
    expect(summary.stages.map((s: { status: string }) => s.status)).toEqual(first.stages.map((s) => s.status));
    // Its events are one line saying why; its files and tests are gone.
    const kept = await events(first.id);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.message).toContain("AIDEVOS_RUNS_KEPT");
    expect((await json(await api(`/v1/runs/${first.id}/files`))).files).toEqual([]);
    // The newest two finished runs are whole; the runs list still names every run.
    for (const id of later.slice(1)) expect((await events(id)).length).toBeGreaterThan(1);
    const listed = (await json(await api("/v1/runs?limit=50"))).items.map((r: { id: string }) => r.id);
    expect(listed).toEqual(expect.arrayContaining([first.id, ...later]));
  });
});
