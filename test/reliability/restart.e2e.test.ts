// Proves a run survives `wrangler dev` being killed mid-run: restarted on the same state, it finishes with one deploy and no lost or doubled records.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { type DevServer, startWranglerDev } from "../e2e/wrangler-dev";

const state = mkdtempSync(join(tmpdir(), "aidevos-restart-"));
let dev: DevServer | undefined;
afterAll(async () => {
  await dev?.stop();
  rmSync(state, { recursive: true, force: true });
});

async function get(path: string) {
  return (await fetch(`${dev!.base}${path}`)).json() as Promise<any>;
}

it("finishes a run whose worker was killed in the middle of testing, deploying once", {
  timeout: 240_000,
}, async () => {
  dev = await startWranglerDev({ persistTo: state });
  const name = `restart-${Date.now().toString(36)}`;
  // A long performance test keeps the testing stage busy for seconds: the kill lands inside it.
  const spec = {
    name,
    entities: [{ name: "item", plural: "items", fields: { label: { type: "string", required: true } } }],
    performance: { requests: 2000, concurrency: 1, p95Ms: 60_000 },
  };
  const res = await fetch(`${dev.base}/v1/runs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ request: "survive a restart", spec }),
  });
  const { id } = (await res.json()) as { id: string };
  let before = await get(`/v1/runs/${id}`);
  for (let i = 0; i < 200 && before.stage !== "testing"; i++) {
    await new Promise((r) => setTimeout(r, 25));
    before = await get(`/v1/runs/${id}`);
  }
  expect(before).toMatchObject({ status: "running", stage: "testing" });
  await new Promise((r) => setTimeout(r, 300));
  await dev.stop();

  dev = await startWranglerDev({ persistTo: state });
  // The interrupted attempt is taken up again once its lease runs out.
  const deadline = Date.now() + 150_000;
  let run = await get(`/v1/runs/${id}`);
  while (!["succeeded", "failed", "cancelled"].includes(run.status) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    run = await get(`/v1/runs/${id}`);
  }
  expect(run.status).toBe("succeeded");
  expect(run.stages.find((s: { name: string }) => s.name === "testing").attempts).toBe(2);
  const app = await get(`/v1/apps/${name}`);
  expect(app.versions).toHaveLength(1);
  expect(app.history).toHaveLength(1);
  const events = await (await fetch(`${dev.base}/v1/runs/${id}/events`)).text();
  const messages = events
    .split("\n")
    .filter((l) => l.startsWith("data: {"))
    .map((l) => JSON.parse(l.slice(6)).message as string | undefined)
    .filter((m): m is string => typeof m === "string");
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
