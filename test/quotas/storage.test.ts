// Proves the storage quotas of issue 27 (attack 8: 200 × 1 MiB anonymous POSTs all stored): with
// AIDEVOS_MAX_PARTITION_BYTES a partition's writes are refused with 507 `quota_exceeded` once it stores that much,
// while its reads and deletes go on and another key still writes; with AIDEVOS_MAX_APP_BYTES the app's partitions
// together are held the same way. The numbers each test holds are logged.
import { env } from "cloudflare:workers";
import type { AppSpecInput } from "@aidevos/core";
import { afterEach, describe, expect, it } from "vitest";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

const settings = env as unknown as Record<string, string | undefined>;
const CHANGED = ["AIDEVOS_MAX_PARTITION_BYTES", "AIDEVOS_MAX_APP_BYTES"] as const;
const saved = Object.fromEntries(CHANGED.map((n) => [n, settings[n]]));
afterEach(() => {
  for (const n of CHANGED) settings[n] = saved[n];
});

const spec = (name: string): AppSpecInput => ({
  name,
  partition: "perKey",
  performance: { p95Ms: 10_000 },
  entities: [
    { name: "blob", plural: "blobs", fields: { text: { type: "string", required: true, maxLength: 20_000 } } },
  ],
});

async function deploy(name: string): Promise<void> {
  const run = await waitForRun((await startRun({ request: "r", spec: spec(name) })).id, 60_000);
  expect(run.status, JSON.stringify(run.error ?? run)).toBe("succeeded");
}

const BLOB = "x".repeat(16_000);

/** POSTs 16 kB records to a key until one is refused (at most `max`); the number stored and the refusal. */
async function fill(name: string, key: string, max = 80) {
  for (let stored = 0; stored < max; stored++) {
    const res = await api(`/apps/${name}/k/${key}/blobs`, { method: "POST", json: { text: BLOB } });
    if (res.status !== 201) return { stored, status: res.status, body: await json(res) };
  }
  return { stored: max, status: 201, body: null };
}

describe("storage quotas", () => {
  it("refuse a partition's writes past AIDEVOS_MAX_PARTITION_BYTES with 507; reads, deletes and other keys go on", async () => {
    const name = uniqueName("fullkey");
    await deploy(name);
    const QUOTA = 256 * 1024;
    settings.AIDEVOS_MAX_PARTITION_BYTES = String(QUOTA);
    const full = await fill(name, "a");
    expect(full.status).toBe(507);
    expect(full.body.error.code).toBe("quota_exceeded");
    expect(full.body.error.message).toContain(`AIDEVOS_MAX_PARTITION_BYTES = ${QUOTA}`);
    // At most one write past the quota: 16 records of 16 kB are 256 kB of text.
    expect(full.stored).toBeGreaterThan(0);
    expect(full.stored).toBeLessThanOrEqual(17);
    const list = await api(`/apps/${name}/k/a/blobs?limit=1`);
    expect(list.status).toBe(200);
    const id = (await json(list)).items[0].id;
    expect((await api(`/apps/${name}/k/a/blobs/${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await api(`/apps/${name}/k/b/blobs`, { method: "POST", json: { text: BLOB } })).status).toBe(201);
    const storage = (await json(await api(`/v1/apps/${name}`))).storage;
    expect(storage.maxPartitionBytes).toBe(QUOTA);
    expect(storage.bytes).toBeGreaterThanOrEqual(QUOTA);
    console.log(
      `partition quota ${QUOTA} B: ${full.stored} records of 16 kB stored, then 507; app at ${storage.bytes} B`,
    );
  }, 120_000);

  it("refuse every partition's writes once the app stores AIDEVOS_MAX_APP_BYTES in all", async () => {
    const name = uniqueName("fullapp");
    await deploy(name);
    const QUOTA = 384 * 1024;
    settings.AIDEVOS_MAX_APP_BYTES = String(QUOTA);
    let stored = 0;
    let refused: { status: number; body: any } | null = null;
    for (const key of ["a", "b", "c", "d"]) {
      const got = await fill(name, key, 10);
      stored += got.stored;
      if (got.status !== 201) {
        refused = got;
        break;
      }
    }
    expect(refused?.status).toBe(507);
    expect(refused?.body.error.code).toBe("quota_exceeded");
    expect(refused?.body.error.message).toContain(`AIDEVOS_MAX_APP_BYTES = ${QUOTA}`);
    expect(stored).toBeLessThanOrEqual(25);
    // Every key is held now, the first one too; a new key as well.
    for (const key of ["a", "z"])
      expect((await api(`/apps/${name}/k/${key}/blobs`, { method: "POST", json: { text: "y" } })).status).toBe(507);
    expect((await api(`/apps/${name}/k/a/blobs`)).status).toBe(200);
    console.log(`app quota ${QUOTA} B: ${stored} records of 16 kB stored across keys, then 507`);
  }, 120_000);
});
