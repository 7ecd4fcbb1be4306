// Proves SSE clients that disconnect release what they hold: after 200 connect/abort cycles against one
// unfinished run, its RunDO has no open stream and no subscription left (each had a keepalive timer
// and a wake-up subscription), and the run still answers and streams new events.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RunDO } from "../../workers/runs/src/run-do";
import { api, json } from "../support/api";

const CYCLES = 200;

/** A run that stays running: its row written directly, nothing handed to a stage, so it never ends. */
async function unfinishedRun(): Promise<{ id: string; stub: DurableObjectStub<RunDO> }> {
  const id = env.RUNS.newUniqueId();
  const stub = env.RUNS.get(id) as DurableObjectStub<RunDO>;
  await runInDurableObject(stub, (_: RunDO, state) => {
    const now = new Date().toISOString();
    state.storage.sql.exec(
      "INSERT INTO run (id, request, input, body_hash, status, stage, created_at, updated_at) VALUES (?, 'sse', '{}', 'h', 'running', 'planning', ?, ?)",
      id.toString(),
      now,
      now,
    );
  });
  await stub.log(null, "info", "first event");
  return { id: id.toString(), stub };
}

/** What the RunDO holds for event streams, read inside the object. */
function held(stub: DurableObjectStub<RunDO>) {
  return runInDurableObject(stub, (instance: RunDO) => {
    const inside = instance as unknown as { waiters: Set<unknown>; openStreams?: number };
    return { waiting: inside.waiters.size, open: inside.openStreams };
  });
}

/** Reads the stream until `text` has arrived. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, text: string): Promise<string> {
  const decoder = new TextDecoder();
  let seen = "";
  while (!seen.includes(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before "${text}": ${seen}`);
    seen += decoder.decode(value, { stream: true });
  }
  return seen;
}

describe("GET /v1/runs/:id/events disconnects", () => {
  it(`releases every stream's timer and subscription over ${CYCLES} connect/abort cycles`, async () => {
    const { id, stub } = await unfinishedRun();
    for (let i = 0; i < CYCLES; i++) {
      const aborter = new AbortController();
      const res = await api(`/v1/runs/${id}/events`, { signal: aborter.signal });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      // Past the first event the stream is waiting on the run: a timer and a subscription held.
      await readUntil(reader, "first event");
      // The probe sees what a connected client holds.
      if (i === 0) expect(await held(stub)).toEqual({ waiting: 1, open: 1 });
      if (i % 2 === 0) aborter.abort();
      else await reader.cancel();
    }
    // Disconnects reach the object asynchronously; wait (bounded) until it has let go of all of them.
    let now = await held(stub);
    for (let tries = 0; tries < 200 && (now.waiting > 0 || now.open !== 0); tries++) {
      await new Promise((r) => setTimeout(r, 25));
      now = await held(stub);
    }
    expect(now).toEqual({ waiting: 0, open: 0 });

    // The run still answers, and a new client gets new events as they are recorded.
    expect((await json(await api(`/v1/runs/${id}`))).status).toBe("running");
    const reader = (await api(`/v1/runs/${id}/events`)).body!.getReader();
    await readUntil(reader, "first event");
    await stub.log(null, "info", "after the storm");
    expect(await readUntil(reader, "after the storm")).toContain("after the storm");
    await reader.cancel();
  });
});
