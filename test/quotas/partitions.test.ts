// Proves that a perKey partition exists only once it stores data (issue 27, attack 1): 200 anonymous reads of
// junk keys (each a 404) record no partition, arm no key's schedules and add nothing to a schedule run, which
// counts only partitions with data; the app page counts those partitions; and AIDEVOS_MAX_PARTITIONS caps them
// (a new key's first write over it is 507 `quota_exceeded`, while reads, and writes to keys with data, go on).
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { AppSpecInput } from "@aidevos/core";
import { appHostOf } from "@aidevos/objects";
import { afterEach, describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

const settings = env as unknown as Record<string, string | undefined>;
const saved = settings.AIDEVOS_MAX_PARTITIONS;
afterEach(() => {
  settings.AIDEVOS_MAX_PARTITIONS = saved;
});

function keyedSpec(name: string): AppSpecInput {
  return {
    name,
    partition: "perKey",
    performance: { p95Ms: 10_000 },
    entities: [{ name: "note", plural: "notes", fields: { text: { type: "string", required: true } } }],
    counters: [{ name: "sweeps" }],
    actions: [
      {
        name: "sweep",
        method: "POST",
        path: "/sweep",
        code: "export default async (req, ctx) => ({ n: await ctx.counters.sweeps.increment() });",
        examples: [{ method: "POST", path: "/sweep", body: {}, status: 200 }],
      },
    ],
    schedules: [
      { name: "cleanup", everySeconds: 60, action: "sweep" },
      { name: "hourly", everySeconds: 3600, action: "sweep" },
    ],
  };
}

async function deploy(spec: AppSpecInput): Promise<void> {
  const run = await waitForRun((await startRun({ request: "r", spec })).id, 60_000);
  expect(run.status, JSON.stringify(run.error ?? run)).toBe("succeeded");
}

async function storage(name: string) {
  return (await json(await api(`/v1/apps/${name}`))).storage;
}

describe("partitions of a perKey app", () => {
  it("are not recorded for 200 junk-key 404s: no partition, no armed alarm, a schedule run reaches 0", async () => {
    const name = uniqueName("junk");
    await deploy(keyedSpec(name));
    const JUNK = 200;
    for (let i = 0; i < JUNK; i += 20)
      await Promise.all(
        Array.from({ length: 20 }, async (_, j) => {
          const res = await api(`/apps/${name}/k/junk-${i + j}/notes/nope`);
          expect(res.status).toBe(404);
        }),
      );
    expect(await storage(name)).toMatchObject({ partitions: 0, bytes: 0 });
    const ran = await api(`/v1/apps/${name}/schedules/cleanup/run`, { method: "POST" });
    expect(await json(ran)).toEqual({ partitions: 0 });
    // The junk key's own host armed no alarm: its schedules never run.
    const alarm = await runInDurableObject(appHostOf(env, name, "junk-7"), (_, state) => state.storage.getAlarm());
    expect(alarm).toBeNull();
    // A write to a key makes it a partition: the run reaches it, and only it.
    expect((await api(`/apps/${name}/k/real/notes`, { method: "POST", json: { text: "x" } })).status).toBe(201);
    expect(await json(await api(`/v1/apps/${name}/schedules/cleanup/run`, { method: "POST" }))).toEqual({
      partitions: 1,
    });
    const counted = await storage(name);
    expect(counted.partitions).toBe(1);
    expect(counted.bytes).toBeGreaterThan(0);
    console.log(`junk keys read: ${JUNK}; partitions recorded: ${counted.partitions}; schedule run reached 1`);
  }, 240_000);

  it("are capped by AIDEVOS_MAX_PARTITIONS: a new key's first write is 507 quota_exceeded, reads and known keys go on", async () => {
    const name = uniqueName("cap");
    await deploy(keyedSpec(name));
    settings.AIDEVOS_MAX_PARTITIONS = "3";
    for (const key of ["a", "b", "c"])
      expect((await api(`/apps/${name}/k/${key}/notes`, { method: "POST", json: { text: key } })).status).toBe(201);
    const refused = await api(`/apps/${name}/k/d/notes`, { method: "POST", json: { text: "d" } });
    expect(refused.status).toBe(507);
    const body = await json(refused);
    expect(body.error.code).toBe("quota_exceeded");
    expect(body.error.message).toContain("AIDEVOS_MAX_PARTITIONS = 3");
    expect(body.error.details).toEqual([]);
    // A read of the new key, and a write to a key that holds data, are not refused.
    expect((await api(`/apps/${name}/k/d/notes`)).status).toBe(200);
    expect((await api(`/apps/${name}/k/a/notes`, { method: "POST", json: { text: "again" } })).status).toBe(201);
    expect(await storage(name)).toMatchObject({ partitions: 3, maxPartitions: 3 });
    expect(await json(await api(`/v1/apps/${name}/schedules/hourly/run`, { method: "POST" }))).toEqual({
      partitions: 3,
    });
  });
});
