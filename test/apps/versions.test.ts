// Proves data survives versions: a field the live version does not know is kept untouched by a PATCH,
// an increment or a read under that version, and reads again once a version that knows it is live.
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

async function deploy(spec: AppSpecInput) {
  const run = await waitForRun((await startRun({ request: "serve it", spec })).id);
  if (run.status !== "succeeded") throw new Error(`run ${run.status}: ${JSON.stringify(run.error)}`);
  return run;
}

function tasks(name: string, fields: Record<string, unknown>): AppSpecInput {
  return { name, partition: "single", entities: [{ name: "task", plural: "tasks", fields: fields as any }] };
}

describe("data across versions", () => {
  it("keeps a field the live version does not know through a rollback and a PATCH", async () => {
    const name = uniqueName("versions");
    const v1 = tasks(name, { title: { type: "string", required: true } });
    const v2 = tasks(name, { title: { type: "string", required: true }, priority: { type: "integer", min: 0 } });
    await deploy(v1);
    await deploy(v2);
    const created = await json(await api(`/apps/${name}/tasks`, { method: "POST", json: { title: "a", priority: 7 } }));
    expect(created.priority).toBe(7);

    const back = await api(`/v1/apps/${name}/rollback`, { method: "POST", json: {} });
    expect(back.status).toBe(200);
    const patched = await api(`/apps/${name}/tasks/${created.id}`, { method: "PATCH", json: { title: "b" } });
    expect(patched.status).toBe(200);
    const underV1 = await json(patched);
    expect(underV1.title).toBe("b");
    // v1 does not show what it does not know, and still refuses it as input.
    expect(underV1).not.toHaveProperty("priority");
    const refused = await api(`/apps/${name}/tasks/${created.id}`, { method: "PATCH", json: { priority: 1 } });
    expect(refused.status).toBe(400);

    await deploy(v2);
    const again = await json(await api(`/apps/${name}/tasks/${created.id}`));
    expect(again).toMatchObject({ title: "b", priority: 7 });
    const listed = await json(await api(`/apps/${name}/tasks?priority=7`));
    expect(listed.items.map((t: { id: string }) => t.id)).toEqual([created.id]);
  });
});
