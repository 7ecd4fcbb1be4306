import { exports } from "cloudflare:workers";
import type { AppSpecInput, Run } from "@aidevos/core";
import { type Member, member } from "./websocket";

/** Calls the gateway the way a client would: a real Request through the Worker's fetch handler. */
export async function api(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return exports.default.fetch(new Request(`http://gateway.test${path}`, { ...init, headers, body }));
}

export async function json<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

let counter = 0;
/** App names must be unique per test file run so tests do not share apps. */
/** The paths a 4xx JSON error's details name, in the order given. */
export function errorPaths(body: any): string[] {
  return body.error.details.map((d: { path: string }) => d.path);
}

export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}${counter}`.slice(0, 39);
}

export function todoSpec(name: string): AppSpecInput {
  return {
    name,
    partition: "single",
    entities: [
      {
        name: "task",
        plural: "tasks",
        fields: {
          title: { type: "string", required: true, minLength: 1, maxLength: 100 },
          done: { type: "boolean", default: false },
        },
      },
    ],
  };
}

export async function startRun(body: unknown, headers: Record<string, string> = {}): Promise<Run> {
  const res = await api("/v1/runs", { method: "POST", json: body, headers });
  if (res.status !== 202) throw new Error(`POST /v1/runs → ${res.status}: ${await res.text()}`);
  return json<Run>(res);
}

/** Polls a run until it reaches a terminal status (alarms drive it; nothing here advances it). */
export async function waitForRun(id: string, timeoutMs = 20_000): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await json<Run>(await api(`/v1/runs/${id}`));
    if (["succeeded", "failed", "cancelled"].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} still ${run.status} at ${run.stage}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The member an upgrade's answer gave: it must be 101; recorded before `accept()`, so no frame is missed. */
export async function accepted(path: string, res: Response): Promise<Member> {
  if (res.status !== 101) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  const ws = res.webSocket!;
  const m = member(ws);
  ws.accept();
  return m;
}

/** A member of a channel through the gateway (`/apps/{name}/channels/{channel}`), with any extra upgrade headers. */
export async function joinChannel(path: string, headers: Record<string, string> = {}): Promise<Member> {
  return accepted(path, await api(path, { headers: { upgrade: "websocket", ...headers } }));
}
