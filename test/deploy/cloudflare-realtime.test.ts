// Proves Cloudflare parity of schedules and channels against the loopback Cloudflare API: the uploaded app's own
// Durable Object class holds alarms and WebSockets (its metadata binds it, its entry guards each frame, its modules
// carry the realtime runtime), its Worker is switched on at workers.dev, and traffic through the dispatch route
// reaches the app's monitor like local traffic.
import { env } from "cloudflare:workers";
import type { AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { dispatched } from "../../workers/gateway/src/apps/dispatched";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";

const cfUrl = (env as unknown as { CLOUDFLARE_API_BASE_URL: string }).CLOUDFLARE_API_BASE_URL;
const control = cfUrl.replace(/\/client\/v4$/, "");

async function calls(script: string): Promise<any[]> {
  return (await fetch(`${control}/__requests?key=${script}`)).json();
}

function realtimeSpec(name: string): AppSpecInput {
  return {
    name,
    partition: "perKey",
    performance: { p95Ms: 10_000 },
    entities: [{ name: "note", plural: "notes", fields: { text: { type: "string", required: true } } }],
    actions: [
      {
        name: "tidy",
        method: "POST",
        path: "/tidy",
        code: "export default async (req, ctx) => ({ schedule: ctx.schedule });",
      },
    ],
    schedules: [{ name: "nightly", everySeconds: 86_400, action: "tidy" }],
    channels: [{ name: "room" }],
  };
}

describe("schedules and channels on Cloudflare", () => {
  it("upload an app whose own Durable Object holds alarms and members, reachable at workers.dev", async () => {
    const name = uniqueName("cf-rt");
    await fetch(`${control}/__script`, { method: "POST", body: JSON.stringify({ key: name, responses: [] }) });
    expect((await waitForRun((await startRun({ request: "ship", spec: realtimeSpec(name) })).id)).status).toBe(
      "succeeded",
    );
    const [put, , subdomain] = await calls(name);
    expect(put.metadata.bindings).toEqual([
      { type: "durable_object_namespace", name: "APP", class_name: "App" },
      { type: "r2_bucket", name: "APP_FILES", bucket_name: "aidevos-app-files" },
    ]);
    expect(put.metadata.migrations).toEqual({ new_tag: "v1", new_sqlite_classes: ["App"] });
    expect(subdomain).toMatchObject({ sub: "/subdomain", subdomain: { enabled: true }, status: 200 });
    const modules = put.modules as Record<string, { content: string }>;
    const entry = modules["__aidevos_app.js"]!.content;
    // Every frame a member sends runs inside a fresh budget, like a request (our entry's runtime).
    expect(entry).toContain("webSocketMessage(ws, message) {");
    expect(entry).toContain("super.webSocketMessage(ws, message)");
    const realtime = modules["realtime.js"]!.content;
    expect(realtime).toContain("acceptWebSocket(");
    expect(realtime).toContain("_schedules");
    expect(modules["spec.js"]!.content).toContain('"nightly"');
    // Only the platform may call into the app: its Worker refuses /_aidevos/ from outside.
    expect(modules["index.js"]!.content).toContain("_aidevos");
  });

  it("record traffic through the dispatch route in the app's monitor, as local traffic is", async () => {
    const name = uniqueName("cf-disp");
    expect((await waitForRun((await startRun({ request: "ship", spec: realtimeSpec(name) })).id)).status).toBe(
      "succeeded",
    );
    const seen: string[] = [];
    const dispatcher = {
      get: (script: string) => ({
        fetch: async (request: Request) => {
          seen.push(`${script} ${request.method} ${new URL(request.url).pathname}`);
          return Response.json({ error: { code: "boom", message: "the Worker failed", details: [] } }, { status: 500 });
        },
      }),
    };
    const pending: Promise<unknown>[] = [];
    const res = await dispatched(
      { ...env, DISPATCHER: dispatcher } as unknown as Env,
      { waitUntil: (p) => pending.push(p) },
      name,
      "/k/team-a/notes",
      new Request("http://app/k/team-a/notes", { method: "POST", body: "{}" }),
      Date.now(),
    );
    expect(res.status).toBe(500);
    await Promise.all(pending);
    expect(seen).toEqual([`${name} POST /k/team-a/notes`]);
    const usage = await json(await api(`/v1/apps/${name}/usage`));
    expect(JSON.stringify(usage)).toContain("POST /notes");
    const errors = await json(await api(`/v1/apps/${name}/errors`));
    expect(errors.items[0]).toMatchObject({ message: expect.stringContaining("500 boom") });
  });
});
