// Proves the README's `pnpm dev` serves the whole offline spine over real HTTP: runs, deployed apps, redeploys keeping data.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startWranglerDev } from "./wrangler-dev";

let dev: DevServer;
beforeAll(async () => {
  dev = await startWranglerDev();
});
afterAll(async () => {
  await dev?.stop();
});

async function call(path: string, init: RequestInit & { json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  const res = await fetch(`${dev.base}${path}`, {
    ...init,
    headers,
    body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

async function deploy(spec: unknown) {
  const created = await call("/v1/runs", { method: "POST", json: { request: "e2e", spec } });
  expect(created.status).toBe(202);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const run = await call(`/v1/runs/${created.body.id}`);
    if (run.body.status === "succeeded") return run.body;
    if (run.body.status === "failed") throw new Error(JSON.stringify(run.body.error));
    if (Date.now() > deadline) throw new Error(`run stuck: ${JSON.stringify(run.body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const shared = resolve(__dirname, "../../../shared/bench");

describe("wrangler dev", () => {
  it.runIf(existsSync(`${shared}/acceptance.mjs`))("passes the shared acceptance sample", async () => {
    const cases = ["counter.json", "per-key.json", "todo-crud.json"].map((c) => `${shared}/cases/${c}`);
    const { stdout } = await promisify(execFile)(process.execPath, [
      `${shared}/acceptance.mjs`,
      "--base",
      dev.base,
      ...cases,
    ]);
    expect(stdout).toContain("3 passed, 0 failed");
  });

  it("redeploys a changed spec as version 2 with the data of version 1", async () => {
    const name = `notes-${Date.now().toString(36)}`;
    const v1 = {
      name,
      entities: [{ name: "note", plural: "notes", fields: { text: { type: "string", required: true } } }],
    };
    expect((await deploy(v1)).app.version).toBe(1);
    const made = await call(`/apps/${name}/notes`, { method: "POST", json: { text: "kept" } });
    expect(made.status).toBe(201);
    const v2 = structuredClone(v1) as any;
    v2.entities[0].fields.pinned = { type: "boolean", default: false };
    expect((await deploy(v2)).app.version).toBe(2);
    const read = await call(`/apps/${name}/notes/${made.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ text: "kept", pinned: false });
    const app = await call(`/v1/apps/${name}`);
    expect(app.body.history.map((h: { action: string }) => h.action)).toEqual(["create", "update"]);
  });
});
