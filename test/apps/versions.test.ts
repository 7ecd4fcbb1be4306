// Proves data survives versions: a field the live version does not know is kept untouched by a PATCH,
// an increment or a read under that version, and reads again once a version that knows it is live; and
// refs and unique keys a new version adds are checked against the live data before it may go live.
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

/** A new unique key or a ref tightens the contract: allowed here, where the check against live data is under test. */
async function attempt(spec: AppSpecInput) {
  return waitForRun((await startRun({ request: "serve it", spec, options: { allowBreaking: true } })).id, 40_000);
}

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

describe("rules a new version adds", () => {
  const products = (name: string, extra: Record<string, unknown> = {}, partition = "single"): AppSpecInput => ({
    name,
    partition: partition as "single",
    entities: [
      { name: "shelf", plural: "shelves", fields: { label: { type: "string" } } },
      {
        name: "product",
        plural: "products",
        fields: { sku: { type: "string", required: true }, shelfId: { type: "string" } },
        ...extra,
      },
    ],
  });

  it("a unique key the data breaks fails the run and leaves the live version serving", async () => {
    const name = uniqueName("uniq-late");
    await deploy(products(name));
    for (let i = 0; i < 2; i++) await api(`/apps/${name}/products`, { method: "POST", json: { sku: "A-1" } });
    const run = await attempt(products(name, { unique: ["sku"] }));
    expect(run.status).toBe("failed");
    expect(run.error?.code).toBe("conflict");
    expect(run.error?.message).toContain("share sku");
    expect(run.error?.message).toContain("spec.entities.1.unique.0: product ");
    const app = await json(await api(`/v1/apps/${name}`));
    expect(app.liveVersion).toBe(1);
    expect((await json(await api(`/apps/${name}/products`))).items).toHaveLength(2);
    // Once the data holds, the same rule deploys.
    const [, second] = (await json(await api(`/apps/${name}/products`))).items;
    await api(`/apps/${name}/products/${second.id}`, { method: "PATCH", json: { sku: "A-2" } });
    expect((await attempt(products(name, { unique: ["sku"] }))).status).toBe("succeeded");
  }, 90_000);

  it("a ref to records that do not exist fails the run, in any partition of a perKey app", async () => {
    const name = uniqueName("ref-late");
    await deploy(products(name, {}, "perKey"));
    const shelf = await json(await api(`/apps/${name}/k/a/shelves`, { method: "POST", json: { label: "top" } }));
    await api(`/apps/${name}/k/a/products`, { method: "POST", json: { sku: "A-1", shelfId: shelf.id } });
    await api(`/apps/${name}/k/b/products`, { method: "POST", json: { sku: "B-1", shelfId: shelf.id } });
    const withRef = products(name, {}, "perKey") as any;
    withRef.entities[1].fields.shelfId = { type: "ref", entity: "shelf" };
    const run = await attempt(withRef);
    expect(run.status).toBe("failed");
    expect(run.error?.code).toBe("conflict");
    expect(run.error?.message).toContain("key b:");
    expect(run.error?.message).toContain("spec.entities.1.fields.shelfId: key b: product ");
    expect((await json(await api(`/v1/apps/${name}`))).liveVersion).toBe(1);
  }, 90_000);

  it("the platform's check is not reachable through the public proxy", async () => {
    const name = uniqueName("internal");
    await deploy(products(name));
    for (const path of [`/apps/${name}/_aidevos/check`, `/apps/${name}/_aidevos`]) {
      const res = await api(path, { method: "POST", json: { spec: products(name) } });
      expect(res.status).toBe(404);
      expect((await json(res)).error.code).toBe("not_found");
    }
  });
});
