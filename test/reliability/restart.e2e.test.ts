// Proves a run survives `wrangler dev` being killed mid-run: restarted on the same state, it finishes with one deploy, and no record (the run's or an app's) is lost or doubled.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { type DevServer, startWranglerDev } from "../e2e/wrangler-dev";
import { measured } from "./figures";

const state = mkdtempSync(join(tmpdir(), "aidevos-restart-"));
let dev: DevServer | undefined;
afterAll(async () => {
  await dev?.stop();
  rmSync(state, { recursive: true, force: true });
});

async function get(path: string) {
  return (await fetch(`${dev!.base}${path}`)).json() as Promise<any>;
}

async function post(path: string, body: unknown) {
  const res = await fetch(`${dev!.base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function finished(id: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let run = await get(`/v1/runs/${id}`);
  while (!["succeeded", "failed", "cancelled"].includes(run.status) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    run = await get(`/v1/runs/${id}`);
  }
  return run;
}

it("finishes a run whose worker was killed in the middle of testing, deploying once", {
  timeout: 240_000,
}, async (context) => {
  dev = await startWranglerDev({ persistTo: state });
  // An app already serving, with records written right up to the kill.
  const keeper = `keeper-${Date.now().toString(36)}`;
  const keeperSpec = {
    name: keeper,
    entities: [{ name: "note", plural: "notes", fields: { text: { type: "string", required: true } } }],
  };
  expect(
    (await finished((await post("/v1/runs", { request: "keeper", spec: keeperSpec })).body.id, 60_000)).status,
  ).toBe("succeeded");
  const written: string[] = [];
  const name = `restart-${Date.now().toString(36)}`;
  // A long performance test keeps the testing stage busy for seconds: the kill lands inside it.
  const spec = {
    name,
    entities: [{ name: "item", plural: "items", fields: { label: { type: "string", required: true } } }],
    performance: { requests: 2000, concurrency: 1, p95Ms: 60_000 },
  };
  const { id } = (await post("/v1/runs", { request: "survive a restart", spec })).body as { id: string };
  let before = await get(`/v1/runs/${id}`);
  for (let i = 0; i < 200 && before.stage !== "testing"; i++) {
    await new Promise((r) => setTimeout(r, 25));
    before = await get(`/v1/runs/${id}`);
  }
  expect(before).toMatchObject({ status: "running", stage: "testing" });
  for (let i = 0; i < 20; i++) {
    const created = await post(`/apps/${keeper}/notes`, { text: `before the kill ${i}` });
    if (created.status === 201) written.push(created.body.id);
  }
  await dev.stop();
  const killedAt = Date.now();

  dev = await startWranglerDev({ persistTo: state });
  // The interrupted attempt is taken up again once its lease runs out.
  const run = await finished(id, 150_000);
  const notes = (await get(`/apps/${keeper}/notes?limit=100`)).items as { id: string }[];
  const app = await get(`/v1/apps/${name}`);
  const events = await (await fetch(`${dev.base}/v1/runs/${id}/events`)).text();
  const messages = events
    .split("\n")
    .filter((l) => l.startsWith("data: {"))
    .map((l) => JSON.parse(l.slice(6)).message as string | undefined)
    .filter((m): m is string => typeof m === "string");
  measured(context, {
    "killed during": before.stage,
    "run ended": run.status,
    "seconds from kill to end": Math.round((Date.now() - killedAt) / 1000),
    "testing attempts": run.stages.find((s: { name: string }) => s.name === "testing").attempts,
    versions: app.versions?.length ?? 0,
    "deploy events": messages.filter((m) => m.startsWith("deploy succeeded")).length,
    "app records kept": `${written.filter((w) => notes.some((n) => n.id === w)).length}/${written.length}`,
    "app records after": notes.length,
  });
  expect(run.status).toBe("succeeded");
  expect(written).toHaveLength(20);
  expect(notes.map((n) => n.id).sort()).toEqual([...written].sort());
  expect(run.stages.find((s: { name: string }) => s.name === "testing").attempts).toBe(2);
  expect(app.versions).toHaveLength(1);
  expect(app.history).toHaveLength(1);
  expect(messages).toContain("testing started, attempt 2");
  expect(messages.filter((m) => m.startsWith("deploy succeeded"))).toHaveLength(1);
  expect(messages.filter((m) => m === "run succeeded")).toHaveLength(1);
  const list = await get("/v1/runs?limit=100");
  expect(list.items.filter((r: { id: string }) => r.id === id)).toHaveLength(1);
  const served = await fetch(`${dev.base}/apps/${name}/items`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"label":"after"}',
  });
  expect(served.status).toBe(201);
});
