// Proves the README's `pnpm dev` serves the whole offline spine over real HTTP: runs, deployed apps, redeploys keeping data.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, devCall, devDeploy, startWranglerDev } from "./wrangler-dev";

let dev: DevServer;
beforeAll(async () => {
  dev = await startWranglerDev();
});
afterAll(async () => {
  await dev?.stop();
});

const call = (path: string, init?: RequestInit & { json?: unknown }) => devCall(dev, path, init);
const deploy = (spec: unknown) => devDeploy(dev, spec);

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
