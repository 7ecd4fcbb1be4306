// Proves the app's own host knows its live version: deploys and rollbacks serve on the next request, the pointer survives eviction, an older word never replaces a newer one, and a missed push heals from the Registry.
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import type { AppHostDO } from "@aidevos/deploy";
import type { LiveVersion } from "@aidevos/registry";
import { describe, expect, it } from "vitest";
import { api, json, startRun, todoSpec, uniqueName, waitForRun } from "../support/api";

/** v1 is the todo app; v2 adds `priority` (default 3), so a record read back says which version served it. */
async function twoVersions() {
  const name = uniqueName("pointer");
  expect((await waitForRun((await startRun({ request: "v1", spec: todoSpec(name) })).id)).status).toBe("succeeded");
  const task = await json(await api(`/apps/${name}/tasks`, { method: "POST", json: { title: "kept" } }));
  const v2 = todoSpec(name) as any;
  v2.entities[0].fields.priority = { type: "integer", min: 1, max: 5, default: 3 };
  expect((await waitForRun((await startRun({ request: "v2", spec: v2 })).id)).status).toBe("succeeded");
  const host = env.APP_HOST.get(env.APP_HOST.idFromName(name));
  const servedBy = async () => ("priority" in (await json(await api(`/apps/${name}/tasks/${task.id}`))) ? 2 : 1);
  return { name, host, servedBy };
}

describe("the live pointer in the app's host", () => {
  it("serves a deploy and a rollback on the very next request, and keeps the pointer across eviction", async () => {
    const { name, host, servedBy } = await twoVersions();
    expect(await servedBy()).toBe(2);
    const rolled = await api(`/v1/apps/${name}/rollback`, { method: "POST", json: {} });
    expect(await json(rolled)).toMatchObject({ ok: true, version: 1, fromVersion: 2 });
    expect(await servedBy()).toBe(1);
    await evictDurableObject(host);
    const stored = await runInDurableObject(host, async (_: AppHostDO, state) =>
      state.storage.kv.get<LiveVersion>("live"),
    );
    expect(stored).toMatchObject({ app: name, version: 1 });
    expect(await servedBy()).toBe(1);
  });

  it("never lets an older word replace a newer one", async () => {
    const { name, host, servedBy } = await twoVersions();
    const now = await host.live(name);
    expect(now?.version).toBe(2);
    await host.setLive({ ...now!, version: 1, generation: now!.generation - 1 });
    expect((await host.live(name))?.version).toBe(2);
    expect(await servedBy()).toBe(2);
  });

  it("heals a pointer that missed a change by asking the Registry in the background", async () => {
    const { name, host, servedBy } = await twoVersions();
    const now = (await host.live(name))!;
    const v1 = (await json(await api(`/v1/apps/${name}`))).versions[0];
    // As if the push of v2 had been lost: the host still holds v1's pointer from an earlier generation.
    const stale: LiveVersion = { ...now, version: 1, codeHash: v1.codeHash, generation: now.generation - 1 };
    await runInDurableObject(host, async (_: AppHostDO, state) => state.storage.kv.put("live", stale));
    await evictDurableObject(host);
    expect(await servedBy()).toBe(1);
    await runInDurableObject(host, async (instance: AppHostDO) => {
      (instance as unknown as { checkedAt: number }).checkedAt = 0;
    });
    await servedBy(); // still the stale pointer, and a background check of the Registry
    const deadline = Date.now() + 5_000;
    while ((await host.live(name))?.version !== 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await servedBy()).toBe(2);
  });

  it("answers 404 for an unknown app without storing anything for it", async () => {
    const name = uniqueName("ghost");
    expect((await api(`/apps/${name}/tasks`)).status).toBe(404);
    const host = env.APP_HOST.get(env.APP_HOST.idFromName(name));
    expect(await runInDurableObject(host, async (_: AppHostDO, state) => state.storage.kv.get("live"))).toBeUndefined();
  });

  it("takes a malformed key escape as a bad key", async () => {
    const name = uniqueName("keys");
    const spec = { ...todoSpec(name), partition: "perKey" as const };
    expect((await waitForRun((await startRun({ request: "k", spec })).id)).status).toBe("succeeded");
    const res = await api(`/apps/${name}/k/%E0%A4%A/tasks`);
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe("not_found");
  });
});
