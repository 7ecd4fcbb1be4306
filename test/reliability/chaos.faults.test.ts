// Proves no run gets stuck and no fault goes unseen: concurrent runs and app traffic, with faults planned in
// test subclasses of the stages (test/worker), end in a terminal state; every planned fault fired, each
// stage's stored attempts are its faults + 1, and a deploy that dies after its Registry write is not recorded twice.
import { env } from "cloudflare:workers";
import type { Run } from "@aidevos/core";
import { expect, it } from "vitest";
import { api, json, startRun, todoSpec, uniqueName, waitForRun } from "../support/api";
import { attemptsStored, faultsFired, planFaults, runIdFor, type StageBinding } from "../support/faults";
import type { FaultPoint } from "../worker/faults";
import { measured } from "./figures";

const STAGES: StageBinding[] = ["PLANNING", "CODEGEN", "TESTING", "DEPLOY", "MONITORING", "LEARNING"];
const MAX_ATTEMPTS = 3;
const cfControl = (env as unknown as { CLOUDFLARE_API_BASE_URL: string }).CLOUDFLARE_API_BASE_URL.replace(
  /\/client\/v4$/,
  "",
);

type Plan = { stage: StageBinding; count: number; point: FaultPoint };

// Per run: the faults planned into its stages. Fewer than MAX_ATTEMPTS are retried away; run 6's
// codegen dies on every attempt it may make. Run 3's deploy dies twice after recording the version.
const PLANS: Plan[][] = [
  [{ stage: "PLANNING", count: 2, point: "before" }],
  [
    { stage: "CODEGEN", count: 1, point: "before" },
    { stage: "TESTING", count: 2, point: "before" },
  ],
  [{ stage: "TESTING", count: 2, point: "before" }],
  [{ stage: "DEPLOY", count: 2, point: "after" }],
  [{ stage: "MONITORING", count: 2, point: "before" }],
  [
    { stage: "DEPLOY", count: 1, point: "before" },
    { stage: "LEARNING", count: 1, point: "before" },
  ],
  [{ stage: "CODEGEN", count: MAX_ATTEMPTS, point: "before" }],
  [],
];

it("ends every run under load and observed faults: attempts = faults fired + 1, a deploy recorded once", {
  timeout: 120_000,
}, async (context) => {
  const started = Date.now();
  const busy = uniqueName("busy");
  await waitForRun((await startRun({ request: "traffic target", spec: todoSpec(busy) })).id);
  let trafficErrors = 0;
  let trafficRequests = 0;
  let stop = false;
  const traffic = (async () => {
    for (let i = 0; !stop && i < 2000; i++, trafficRequests++) {
      const res = await api(`/apps/${busy}/tasks`, { method: "POST", json: { title: `t${i}` } });
      if (res.status !== 201) trafficErrors += 1;
      await res.text();
      await new Promise((r) => setTimeout(r, 5));
    }
  })();

  const runs = PLANS.map((faults, i) => {
    const key = crypto.randomUUID();
    return { faults, key, runId: runIdFor(key), name: uniqueName(`chaos${i}`) };
  });
  // Planned in the run's own stage objects before the run exists, so even planning's first attempt can die.
  for (const r of runs) for (const f of r.faults) await planFaults(f.stage, r.runId, f.count, f.point);
  // The Cloudflare fake records the calls for a scripted script name (here: no failures, just the record).
  for (const r of runs) {
    await fetch(`${cfControl}/__script`, { method: "POST", body: JSON.stringify({ key: r.name, responses: [] }) });
  }
  let finished: Run[];
  try {
    finished = await Promise.all(
      runs.map(async (r) => {
        await startRun({ request: r.name, spec: todoSpec(r.name) }, { "idempotency-key": r.key });
        return waitForRun(r.runId, 90_000);
      }),
    );
  } finally {
    stop = true;
    await traffic;
  }

  // What each stage object observed: faults fired (its own table) and attempts (its jobs table).
  const observed = await Promise.all(
    runs.map(async (r) =>
      Promise.all(
        STAGES.map(async (stage) => ({
          stage,
          planned: r.faults.filter((f) => f.stage === stage).reduce((n, f) => n + f.count, 0),
          fired: await faultsFired(stage, r.runId),
          jobs: await attemptsStored(stage, r.runId),
        })),
      ),
    ),
  );
  const deployAfter = runs[3]!;
  const afterApp = await json(await api(`/v1/apps/${deployAfter.name}`));
  // Uploads only: the script's PUT or a POST of a version (a first deploy also switches on workers.dev: POST /subdomain).
  const uploads = (
    (await (await fetch(`${cfControl}/__requests?key=${deployAfter.name}`)).json()) as {
      method: string;
      sub: string | null;
    }[]
  ).filter((c) => (c.method === "PUT" && c.sub === null) || (c.method === "POST" && c.sub === "/versions"));
  const all = observed.flat();
  measured(context, {
    runs: runs.length,
    "faults planned": all.reduce((n, s) => n + s.planned, 0),
    "faults fired": all.reduce((n, s) => n + s.fired.length, 0),
    "attempts stored": all.reduce((n, s) => n + s.jobs.reduce((m, j) => m + j.attempts, 0), 0),
    succeeded: finished.filter((run) => run.status === "succeeded").length,
    failed: finished.filter((run) => run.status === "failed").length,
    "versions after 2 deaths past the Registry write": afterApp.versions?.length ?? 0,
    "app requests meanwhile": trafficRequests,
    "app errors": trafficErrors,
    seconds: Math.round((Date.now() - started) / 1000),
  });

  runs.forEach((r, i) => {
    const run = finished[i]!;
    const exhausted = r.faults.some((f) => f.count >= MAX_ATTEMPTS);
    expect(run.status, `${r.name}: ${JSON.stringify(run.error)}`).toBe(exhausted ? "failed" : "succeeded");
    if (exhausted) expect(run.error?.message).toContain("injected fault");
    for (const s of observed[i]!) {
      const where = `run ${i} ${s.stage}`;
      // Every planned fault fired, on consecutive attempts from the first, each one once.
      expect(s.fired.length, where).toBe(s.planned);
      expect(
        s.fired.map((f) => f.attempt),
        where,
      ).toEqual(Array.from({ length: s.planned }, (_, n) => n + 1));
      const reported = run.stages.find((st) => st.name === s.stage.toLowerCase());
      if (s.jobs.length === 0) {
        // Only a stage after the one that failed for good never ran.
        expect(exhausted, where).toBe(true);
        continue;
      }
      const faulted = s.jobs[0]!;
      expect(faulted.attempts, where).toBe(s.planned >= MAX_ATTEMPTS ? MAX_ATTEMPTS : s.planned + 1);
      for (const later of s.jobs.slice(1)) expect(later.attempts, where).toBe(1);
      expect(reported?.attempts, where).toBe(s.jobs.at(-1)!.attempts);
    }
  });
  // Killed twice after the Registry write: the retries found the version recorded for this run.
  expect(afterApp.versions).toHaveLength(1);
  expect(afterApp.history).toHaveLength(1);
  expect(afterApp.history[0]).toMatchObject({ version: 1, runId: deployAfter.runId });
  // And the Cloudflare upload, kept per run before the Registry write, was made once.
  expect(uploads).toHaveLength(1);
  expect(trafficErrors).toBe(0);
});
