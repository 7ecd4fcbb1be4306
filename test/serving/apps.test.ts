// Proves the gateway serves deployed apps: routing to the live version, per-key isolation, redeploys keeping data, and the Registry's view.
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, startRun, todoSpec, uniqueName, waitForRun } from "../support/api";

async function deploy(spec: AppSpecInput) {
  const run = await waitForRun((await startRun({ request: "serve it", spec })).id);
  if (run.status !== "succeeded") throw new Error(`run ${run.status}: ${JSON.stringify(run.error)}`);
  return run;
}

describe("/apps/:name", () => {
  it("serves the live version of a single-partition app", async () => {
    const name = uniqueName("serve");
    await deploy(todoSpec(name));
    const created = await api(`/apps/${name}/tasks`, { method: "POST", json: { title: "one" } });
    expect(created.status).toBe(201);
    const task = await json(created);
    expect(await json(await api(`/apps/${name}/tasks/${task.id}`))).toMatchObject({ title: "one", done: false });
    const list = await json(await api(`/apps/${name}/tasks?limit=10`));
    expect(list.items).toHaveLength(1);
  });

  it("answers 404 for an app that was never deployed", async () => {
    const res = await api(`/apps/${uniqueName("ghost")}/tasks`);
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe("not_found");
  });

  it("keeps each key of a perKey app apart", async () => {
    const name = uniqueName("keys");
    await deploy({ ...todoSpec(name), partition: "perKey" });
    const a = await json(await api(`/apps/${name}/k/team-a/tasks`, { method: "POST", json: { title: "a" } }));
    expect((await api(`/apps/${name}/k/team-b/tasks/${a.id}`)).status).toBe(404);
    expect((await json(await api(`/apps/${name}/k/team-b/tasks`))).items).toHaveLength(0);
    expect((await json(await api(`/apps/${name}/k/team-a/tasks`))).items).toHaveLength(1);
    expect((await api(`/apps/${name}/tasks`)).status).toBe(404);
    const bad = await api(`/apps/${name}/k/${"x".repeat(65)}/tasks`);
    expect(bad.status).toBe(404);
    expect((await json(bad)).error.code).toBe("not_found");
  });

  it("deploys a changed spec as version 2 and keeps version 1's data", async () => {
    const name = uniqueName("redeploy");
    await deploy(todoSpec(name));
    const kept = await json(await api(`/apps/${name}/tasks`, { method: "POST", json: { title: "old" } }));
    const v2 = todoSpec(name) as any;
    v2.entities[0].fields.priority = { type: "integer", min: 1, max: 5, default: 3 };
    const run = await deploy(v2);
    expect(run.app?.version).toBe(2);
    expect(await json(await api(`/apps/${name}/tasks/${kept.id}`))).toMatchObject({ title: "old", priority: 3 });
    const fresh = await api(`/apps/${name}/tasks`, { method: "POST", json: { title: "new", priority: 9 } });
    expect(fresh.status).toBe(400);
    const app = await json(await api(`/v1/apps/${name}`));
    expect(app.liveVersion).toBe(2);
    expect(app.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(app.history.map((h: { action: string; fromVersion: number | null }) => [h.action, h.fromVersion])).toEqual([
      ["create", null],
      ["update", 1],
    ]);
    expect(app.spec.entities[0].fields.priority.default).toBe(3);
  });

  it("lists deployed apps by name with cursors", async () => {
    const names = [uniqueName("list-a"), uniqueName("list-b")];
    for (const n of names) await deploy(todoSpec(n));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { name: string }[]; nextCursor: string | null } = await json(
        await api(`/v1/apps?limit=1${cursor ? `&cursor=${cursor}` : ""}`),
      );
      seen.push(...page.items.map((a) => a.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining(names));
    expect(seen).toEqual([...seen].sort());
  });
});
