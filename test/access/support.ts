import type { AppSpecInput, Run } from "@aidevos/core";
import { expect } from "vitest";
import { api, json, startRun, waitForRun } from "../support/api";

/** Deploys a spec and expects the run to succeed. */
export async function deployed(spec: AppSpecInput): Promise<Run> {
  const run = await waitForRun((await startRun({ request: "ship it", spec })).id, 30_000);
  expect(run.status, JSON.stringify(run.error ?? run)).toBe("succeeded");
  return run;
}

export async function putSecret(app: string, name: string, value: string): Promise<Response> {
  return api(`/v1/apps/${app}/secrets/${name}`, { method: "PUT", json: { value } });
}

/** Polls until `done` holds (background writes such as monitoring), at most 15 s. */
export async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function rollback(app: string): Promise<void> {
  const res = await api(`/v1/apps/${app}/rollback`, { method: "POST", json: {} });
  expect(res.status, await res.clone().text()).toBe(200);
}

export { api, json };
