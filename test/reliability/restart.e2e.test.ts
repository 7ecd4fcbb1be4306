// Proves a kill of `wrangler dev` loses nothing and doubles nothing: killed while a deploy's Cloudflare upload is in
// flight (a slow loopback Cloudflare fake), the run finishes on the same state with one version; killed during
// concurrent writes to an app, every record acknowledged with 201 before the kill is there after the restart.
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type DevServer, startWranglerDev } from "../e2e/wrangler-dev";
import { startFakeCloudflare, TEST_TOKEN } from "../fakes/cloudflare-server";
import { Http } from "../support/http";
import { measured } from "./figures";

/** How long the fake holds the upload the kill lands in (the test waits for it, not for the clock). */
const HELD_MS = 8000;
let fake: { url: string; server: Server };
let dev: DevServer | undefined;
const states: string[] = [];

beforeAll(async () => {
  fake = await startFakeCloudflare();
});
afterAll(async () => {
  await dev?.stop();
  await new Promise((r) => fake.server.close(r));
  for (const s of states) rmSync(s, { recursive: true, force: true });
});

/** A server whose deploys also ship to the fake Cloudflare API, on a state directory that outlives it. */
async function start(state: string): Promise<Http> {
  // One server at a time: the one an earlier test restarted is still running (stopping a killed one is a no-op).
  await dev?.stop();
  dev = await startWranglerDev({
    persistTo: state,
    vars: {
      CLOUDFLARE_API_BASE_URL: `${fake.url}/client/v4`,
      CLOUDFLARE_ACCOUNT_ID: "test-account",
      CLOUDFLARE_API_TOKEN: TEST_TOKEN,
    },
  });
  return new Http(dev.base);
}

function newState(): string {
  const state = mkdtempSync(join(tmpdir(), "aidevos-restart-"));
  states.push(state);
  return state;
}

/** The Cloudflare API calls the fake recorded for one script (it records only scripted names). */
async function cloudflareCalls(script: string): Promise<any[]> {
  return (await fetch(`${fake.url}/__requests?key=${script}`)).json() as Promise<any[]>;
}

async function until<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(value).slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it("finishes a run killed while its Cloudflare upload is in flight, with one version", {
  timeout: 240_000,
}, async (context) => {
  const state = newState();
  const name = `cfkill-${Date.now().toString(36)}`;
  // Slow mode: the app's first Cloudflare call (the script upload) is held, then takes effect anyway.
  await fetch(`${fake.url}/__script`, {
    method: "POST",
    body: JSON.stringify({ key: name, responses: [{ delayMs: HELD_MS }] }),
  });
  let http = await start(state);
  const spec = {
    name,
    entities: [{ name: "item", plural: "items", fields: { label: { type: "string", required: true } } }],
  };
  const { id } = (await http.post("/v1/runs", { request: "deploy through a kill", spec })).body as { id: string };
  await until(
    "the upload to start",
    () => cloudflareCalls(name),
    (calls) => calls.some((c) => c.held),
  );
  const during = await http.get(`/v1/runs/${id}`);
  await dev!.stop();
  // The kill cut the upload's connection; the fake then committed it, as Cloudflare may have.
  const [interrupted] = await until(
    "the held upload to take effect",
    () => cloudflareCalls(name),
    (calls) => calls[0]?.status !== undefined,
  );

  http = await start(state);
  const run = await http.finished(id, 150_000);
  const app = await http.get(`/v1/apps/${name}`);
  const calls = await cloudflareCalls(name);
  // The script's PUTs (a first deploy also PUTs the platform token as a secret: sub "/secrets").
  const uploads = calls.filter((c) => c.method === "PUT" && c.sub === null && c.status === 200);
  const cfVersions = (
    (await (
      await fetch(`${fake.url}/client/v4/accounts/test-account/workers/scripts/aidevos-app-${name}/versions`, {
        headers: { authorization: `Bearer ${TEST_TOKEN}` },
      })
    ).json()) as { result: { items: { id: string }[] } }
  ).result.items;
  const messages = await http.messages(id);
  measured(context, {
    "killed during": `${during.stage} (Cloudflare upload held ${HELD_MS} ms)`,
    "upload client gone": String(interrupted.clientGone === true),
    "run ended": run.status,
    "deploy attempts": run.stages.find((s: { name: string }) => s.name === "deploy").attempts,
    "Registry versions": app.versions?.length ?? 0,
    "Cloudflare uploads that took effect": uploads.length,
    "Cloudflare script versions": cfVersions.length,
  });
  expect(during).toMatchObject({ status: "running", stage: "deploy" });
  expect(interrupted).toMatchObject({ method: "PUT", held: HELD_MS, clientGone: true, status: 200 });
  expect(run.status).toBe("succeeded");
  expect(run.stages.find((s: { name: string }) => s.name === "deploy").attempts).toBe(2);
  expect(messages).toContain("deploy started, attempt 2");
  expect(messages.filter((m) => m.startsWith("deploy succeeded"))).toHaveLength(1);
  expect(messages.filter((m) => m === "run succeeded")).toHaveLength(1);
  // One version in the Registry, one history entry, for this run.
  expect(app.versions).toHaveLength(1);
  expect(app.history).toHaveLength(1);
  expect(app.history[0]).toMatchObject({ action: "create", version: 1, runId: id });
  // What can be uploaded twice: the bundle of an upload whose answer was lost. The retry reads the
  // script's migration tag (v1: the migration is done) and uploads the same modules again without it, so Cloudflare holds two
  // script versions with identical code, and the Registry records the later one, the one live.
  expect(uploads).toHaveLength(2);
  expect(uploads[0].metadata.migrations).toMatchObject({ new_tag: "v1" });
  expect(uploads[1].metadata.migrations).toBeUndefined();
  expect(uploads[1].modules).toEqual(uploads[0].modules);
  expect(cfVersions).toHaveLength(2);
  expect(app.versions[0].cloudflare).toMatchObject({
    script: `aidevos-app-${name}`,
    versionId: cfVersions[0]!.id,
    percentage: 100,
  });
  const served = await http.post(`/apps/${name}/items`, { label: "after" });
  expect(served.status).toBe(201);
});

it("keeps every app record acknowledged with 201 before a kill during concurrent writes", {
  timeout: 240_000,
}, async (context) => {
  const state = newState();
  let http = await start(state);
  const name = `writes-${Date.now().toString(36)}`;
  const spec = {
    name,
    entities: [{ name: "note", plural: "notes", fields: { text: { type: "string", required: true } } }],
  };
  const deployed = await http.finished((await http.post("/v1/runs", { request: "notes", spec })).body.id, 90_000);
  expect(deployed.status).toBe("succeeded");

  const acknowledged = new Map<string, string>();
  let sent = 0;
  let failed = 0;
  let cut = 0;
  let refused = 0;
  let killed = false;
  let inFlightAtKill = 0;
  let inFlight = 0;
  const writer = async (w: number) => {
    for (let i = 0; !killed; i++) {
      const text = `writer ${w} note ${i}`;
      sent += 1;
      inFlight += 1;
      try {
        const res = await http.fetch(`/apps/${name}/notes`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ text }),
        });
        const body = (await res.json()) as { id?: string };
        if (res.status === 201 && body.id) acknowledged.set(body.id, text);
        else failed += 1;
      } catch (err) {
        // Not acknowledged, so the test promises nothing about it: cut in flight, or refused once the server was gone.
        if (/ECONNREFUSED/.test(String((err as Error).cause ?? err))) refused += 1;
        else cut += 1;
      } finally {
        inFlight -= 1;
      }
    }
  };
  const writers = Array.from({ length: 16 }, (_, w) => writer(w));
  await until(
    "200 acknowledged writes",
    async () => acknowledged.size,
    (n) => n >= 200,
  );
  inFlightAtKill = inFlight;
  const ackedAtKill = acknowledged.size;
  // The writers go on while the kill is under way, so it lands in the middle of their requests.
  await dev!.stop();
  killed = true;
  await Promise.all(writers);
  // Every 201 the clients received came from the server before it died.
  const promised = new Map(acknowledged);

  http = await start(state);
  const notes = await http.all<{ id: string; text: string }>(`/apps/${name}/notes?limit=100`);
  const kept = [...promised].filter(([id, text]) => notes.some((n) => n.id === id && n.text === text));
  measured(context, {
    "writes sent": sent,
    "acknowledged (201) before the kill": promised.size,
    "in flight when the kill began": inFlightAtKill,
    "cut in flight by the kill": cut,
    "refused after it": refused,
    "refused by the app": failed,
    "acknowledged kept": `${kept.length}/${promised.size}`,
    "records after restart": notes.length,
    "written but never answered": notes.length - kept.length,
  });
  expect(ackedAtKill).toBeGreaterThanOrEqual(200);
  // The kill really landed during writes: some requests lost their connection mid-flight.
  expect(cut).toBeGreaterThan(0);
  expect(failed).toBe(0);
  expect(kept).toHaveLength(promised.size);
  // Nothing appears that no one wrote: every record is one of the writes sent.
  expect(notes.length).toBeLessThanOrEqual(sent - refused);
  expect(new Set(notes.map((n) => n.id)).size).toBe(notes.length);
});
