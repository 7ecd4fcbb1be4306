// Proves deploys through the Cloudflare API (a loopback server speaking it): uploads, migrations, versions, canary, rollback, retries, errors,
// and that the uploaded app is sandboxed as it is locally: instrumented modules, the guard, our entry, outbound blocked.

import { env } from "cloudflare:workers";
import { compileApp } from "@aidevos/compiler";
import { AppSpec } from "@aidevos/core";
import { CloudflareClient, CloudflareDeployer } from "@aidevos/deploy";
import { guardSource, instrumentModule } from "@aidevos/sandbox";
import { describe, expect, it } from "vitest";
import { api, json, startRun, todoSpec, uniqueName, waitForRun } from "../support/api";

/** The sandbox's own modules in an uploaded app: the guard, its regex engine, our entry, its runtime (files, multipart) and config. */
const SANDBOX_MODULES = [
  "__aidevos_entry.js",
  "__aidevos_guard.js",
  "__aidevos_re2.js",
  "__aidevos_app.js",
  "__aidevos_files.js",
  "__aidevos_multipart.js",
  "__aidevos_config.js",
];

const cfUrl = (env as unknown as { CLOUDFLARE_API_BASE_URL: string }).CLOUDFLARE_API_BASE_URL;
const control = cfUrl.replace(/\/client\/v4$/, "");
const canary = (env as unknown as { TEST_CANARY_URL: string }).TEST_CANARY_URL;

async function calls(script: string): Promise<any[]> {
  return (await fetch(`${control}/__requests?key=${script}`)).json();
}
async function script(name: string, failures: unknown[]) {
  await fetch(`${control}/__script`, { method: "POST", body: JSON.stringify({ key: name, responses: failures }) });
}
/** A deployer of its own, as AppControlDO makes one, for calls the Registry never hears of. */
function directDeployer(dispatchNamespace?: string) {
  return new CloudflareDeployer(
    new CloudflareClient({
      accountId: "test-account",
      apiToken: "cf-test-token-9d2f",
      baseUrl: cfUrl,
      ...(dispatchNamespace ? { dispatchNamespace } : {}),
    }),
  );
}
async function bundleOf(name: string) {
  return compileApp(AppSpec.parse(todoSpec(name)));
}
async function deploy(spec: ReturnType<typeof todoSpec>, options = {}) {
  return waitForRun((await startRun({ request: "ship", spec, options })).id);
}

describe("deploying to Cloudflare", () => {
  it("creates the Worker with its Durable Object and a SQLite migration, then ships versions", async () => {
    const name = uniqueName("cf");
    await script(name, []);
    const v1 = await deploy(todoSpec(name));
    expect(v1.status).toBe("succeeded");
    const [put, list, subdomain, token] = await calls(name);
    expect(put).toMatchObject({ method: "PUT", account: "test-account", sub: null, metadataType: "application/json" });
    expect(put.metadata).toMatchObject({
      main_module: "__aidevos_entry.js",
      compatibility_date: "2026-11-01",
      compatibility_flags: ["nodejs_als"],
      limits: { cpu_ms: 100 },
      // The app's files (AppSpec v3): the platform's bucket, under the app's own prefix in the entry.
      bindings: [
        { type: "durable_object_namespace", name: "APP", class_name: "App" },
        { type: "r2_bucket", name: "APP_FILES", bucket_name: "aidevos-app-files" },
      ],
      migrations: { new_tag: "v1", new_sqlite_classes: ["App"] },
      // Our gateway (wrangler.toml name) gets its tail events: schedule runs reach the app's monitor.
      tail_consumers: [{ service: "aidevos" }],
    });
    // Every module the compiler wrote for the app (the runtime's files and spec.js), the guard with its
    // linear-time regex engine, and our entry with its runtime and config.
    const compiled = await compileApp(AppSpec.parse(todoSpec(name)));
    expect(Object.keys(put.modules).sort()).toEqual(
      [...compiled.files.filter((f) => f.role === "source").map((f) => f.path), ...SANDBOX_MODULES].sort(),
    );
    expect(Object.keys(put.modules)).toEqual(expect.arrayContaining(["app.js", "index.js", "records.js", "spec.js"]));
    expect(put.modules["index.js"].type).toBe("application/javascript+module");
    expect(list).toMatchObject({ method: "GET", sub: "/versions" });
    // Reachable at its workers.dev address, switched on once, when the Worker is created.
    expect(subdomain).toMatchObject({
      method: "POST",
      sub: "/subdomain",
      subdomain: { enabled: true, previews_enabled: false },
      status: 200,
    });
    // The platform token its run-now calls carry, set once as a secret of the new Worker (the record keeps its length only).
    expect(token).toMatchObject({
      method: "PUT",
      sub: "/secrets",
      secret: { name: "aidevos_platform_token", type: "secret_text", length: 64 },
      status: 200,
    });

    const changed = todoSpec(name) as any;
    changed.entities[0].fields.note = { type: "string" };
    const v2 = await deploy(changed);
    expect(v2.status).toBe("succeeded");
    const later = (await calls(name)).slice(4);
    expect(later.map((c) => `${c.method} ${c.sub}`)).toEqual([
      "POST /versions",
      "PATCH /script-settings",
      "POST /deployments",
    ]);
    expect(later[0].metadata.migrations).toBeUndefined();
    // The tail consumer is a script setting: patched in after a version upload, not carried by the version.
    expect(later[0].metadata.tail_consumers).toBeUndefined();
    expect(later[1]).toMatchObject({ settings: { tail_consumers: [{ service: "aidevos" }] }, status: 200 });
    const app = await json(await api(`/v1/apps/${name}`));
    const [first, second] = app.versions;
    expect(first.cloudflare).toMatchObject({ script: `aidevos-app-${name}`, migrationTag: "v1", percentage: 100 });
    expect(later[2].deployment).toEqual({
      strategy: "percentage",
      versions: [{ version_id: second.cloudflare.versionId, percentage: 100 }],
    });
    expect(second.cloudflare.versionId).not.toBe(first.cloudflare.versionId);
  });

  it("uploads the app sandboxed: every module instrumented, the guard first, our entry, outbound blocked", async () => {
    const name = uniqueName("guarded");
    await script(name, []);
    expect((await deploy(todoSpec(name))).status).toBe("succeeded");
    const [put] = await calls(name);
    const modules: Record<string, string> = Object.fromEntries(
      Object.entries(put.modules as Record<string, { content: string }>).map(([k, v]) => [k, v.content]),
    );
    // Each source module is exactly what the local sandbox runs: the guard import first, ticks inserted.
    const bundle = await compileApp(AppSpec.parse(todoSpec(name)));
    const sources = bundle.files.filter((f) => f.role === "source");
    expect(Object.keys(modules).sort()).toEqual([...sources.map((f) => f.path), ...SANDBOX_MODULES].sort());
    for (const file of sources) {
      expect(modules[file.path], file.path).toBe(instrumentModule(file.content, file.path));
      expect(
        modules[file.path]!.startsWith(
          'import { __aidevos_tick, __aidevos_specifier, __aidevos_held, __aidevos_keep, __aidevos_str } from "./__aidevos_guard.js";',
        ),
      ).toBe(true);
    }
    expect(modules["app.js"]!.split("__aidevos_tick();").length).toBeGreaterThan(10);
    expect(modules["__aidevos_guard.js"]).toBe(guardSource());
    const entry = modules["__aidevos_entry.js"]!;
    // The guard first, before any generated module; then the engine, the app, and our entry's runtime.
    expect(entry.split("\n").slice(0, 2)).toEqual(['import "./__aidevos_guard.js";', 'import "./__aidevos_re2.js";']);
    expect(entry).toContain("export { Guarded as App };");
    expect(entry).toContain("export default guardedHandler(main.default);");
    expect(modules["__aidevos_app.js"]).toContain('from "./__aidevos_guard.js";');
    expect(JSON.parse(modules["__aidevos_config.js"]!.replace(/^export default |;\n$/g, ""))).toMatchObject({
      filesPrefix: `apps/${name}/`,
    });

    // The uploaded guard blocks the network by itself: run it in a Worker that HAS network (as on
    // Cloudflare, no globalOutbound: null) next to a probe that fetches a listening server.
    const key = `cf-${crypto.randomUUID()}`;
    expect((await fetch(`${canary}/${key}-control/`)).status).toBe(200); // reachable from plain code
    const probe = `import "./__aidevos_guard.js";
export default {
  async fetch() {
    const out = {};
    try { const res = await fetch(${JSON.stringify(`${canary}/${key}/exfiltrate`)}); out.fetch = "reached: " + res.status; } catch (e) { out.fetch = e.message; out.code = e.code; }
    try { new WebSocket(${JSON.stringify(`${canary.replace("http", "ws")}/${key}/ws`)}); out.ws = "opened"; } catch (e) { out.ws = e.message; }
    return Response.json(out);
  },
};`;
    const worker = env.LOADER.load({
      compatibilityDate: put.metadata.compatibility_date,
      compatibilityFlags: put.metadata.compatibility_flags,
      mainModule: "probe.js",
      modules: { "probe.js": probe, "__aidevos_guard.js": modules["__aidevos_guard.js"]! },
    });
    const out = (await (await worker.getEntrypoint().fetch("http://probe/")).json()) as Record<string, string>;
    expect(out).toEqual({
      fetch: `outbound_blocked: fetch to ${canary} is refused: generated apps have no network access`,
      code: "outbound_blocked",
      ws: expect.stringMatching(
        /^outbound_blocked: a WebSocket client connection to ws:\/\/127\.0\.0\.1:\d+\/.* is refused/,
      ),
    });
    expect(await (await fetch(`${canary}/__seen?key=${key}`)).json()).toEqual([]);
    expect(await (await fetch(`${canary}/__seen?key=${key}-control`)).json()).toEqual(["GET /" + key + "-control/"]);
  });

  it("runs a canary, promotes it, and rolls back to an earlier version on both targets", async () => {
    const name = uniqueName("canary");
    await script(name, []);
    await deploy(todoSpec(name));
    const kept = await json(await api(`/apps/${name}/tasks`, { method: "POST", json: { title: "from v1" } }));
    const v2spec = todoSpec(name) as any;
    v2spec.entities[0].fields.tag = { type: "string", default: "v2" };
    expect((await deploy(v2spec, { canaryPercent: 10 })).status).toBe("succeeded");
    const app = await json(await api(`/v1/apps/${name}`));
    expect(app.status).toBe("canary");
    const [v1, v2] = app.versions.map((v: any) => v.cloudflare.versionId);
    const canary = (await calls(name)).at(-1).deployment;
    expect(canary.versions).toEqual([
      { version_id: v2, percentage: 10 },
      { version_id: v1, percentage: 90 },
    ]);

    const promoted = await api(`/v1/apps/${name}/promote`, { method: "POST" });
    expect(await json(promoted)).toEqual({ ok: true, version: 2, fromVersion: 2 });
    expect((await calls(name)).at(-1).deployment.versions).toEqual([{ version_id: v2, percentage: 100 }]);
    expect((await json(await api(`/v1/apps/${name}`))).status).toBe("live");
    expect((await api(`/v1/apps/${name}/promote`, { method: "POST" })).status).toBe(409);

    const back = await api(`/v1/apps/${name}/rollback`, { method: "POST", json: {} });
    expect(await json(back)).toEqual({ ok: true, version: 1, fromVersion: 2 });
    expect((await calls(name)).at(-1).deployment.versions).toEqual([{ version_id: v1, percentage: 100 }]);
    const after = await json(await api(`/v1/apps/${name}`));
    expect(after.liveVersion).toBe(1);
    expect(after.history.map((h: any) => h.action)).toEqual(["create", "update", "promote", "rollback"]);
    // Served locally by v1 again, on the same data: v2's field is gone, v1's record is still there.
    const read = await json(await api(`/apps/${name}/tasks/${kept.id}`));
    expect(read.title).toBe("from v1");
    expect(read).not.toHaveProperty("tag");
  });

  it("hands the uploaded app the room quotas (members per room, frames per second) as the settings stand", async () => {
    const settings = env as unknown as Record<string, string | undefined>;
    const saved = [settings.AIDEVOS_MAX_ROOM_MEMBERS, settings.AIDEVOS_MAX_FRAMES_PER_SECOND];
    settings.AIDEVOS_MAX_ROOM_MEMBERS = "7";
    settings.AIDEVOS_MAX_FRAMES_PER_SECOND = "4";
    try {
      const name = uniqueName("rooms");
      await script(name, []);
      expect((await deploy(todoSpec(name))).status).toBe("succeeded");
      const [put] = await calls(name);
      // The entry holds them where the app is its own host (test/e2e/cloudflare-room-limits.e2e.test.ts runs it).
      expect(put.modules["__aidevos_config.js"].content).toContain('"roomMembers":7,"framesPerSecond":4');
    } finally {
      [settings.AIDEVOS_MAX_ROOM_MEMBERS, settings.AIDEVOS_MAX_FRAMES_PER_SECOND] = saved;
    }
  });

  it("answers rollbacks it cannot do with clear errors", async () => {
    const name = uniqueName("rb");
    await script(name, []);
    await deploy(todoSpec(name));
    const none = await api(`/v1/apps/${name}/rollback`, { method: "POST", json: {} });
    expect(none.status).toBe(404);
    expect((await json(none)).error.message).toContain("no version before v1");
    expect((await api(`/v1/apps/${name}/rollback`, { method: "POST", json: { version: 1 } })).status).toBe(409);
    expect((await api(`/v1/apps/${name}/rollback`, { method: "POST", json: { version: 9 } })).status).toBe(404);
    expect((await api(`/v1/apps/${uniqueName("ghost")}/rollback`, { method: "POST", json: {} })).status).toBe(404);
    const bad = await api(`/v1/apps/${name}/rollback`, { method: "POST", json: { version: "one" } });
    expect(bad.status).toBe(400);
  });

  it("retries rate limits and server errors", async () => {
    const name = uniqueName("retry");
    await script(name, [
      { status: 429, errors: [{ code: 971, message: "rate limited" }], headers: { "retry-after": "0" } },
      { status: 503, errors: [{ code: 10013, message: "temporarily unavailable" }] },
    ]);
    const run = await deploy(todoSpec(name));
    expect(run.status).toBe("succeeded");
    expect((await calls(name)).map((c) => c.method)).toEqual(["PUT", "PUT", "PUT", "GET", "POST", "PUT"]);
  });

  it("fails the run with the API's own error, records nothing, and never shows the token", async () => {
    const name = uniqueName("refused");
    const refusal = { status: 400, errors: [{ code: 10021, message: "Uncaught SyntaxError: Unexpected token" }] };
    await script(name, [refusal, refusal, refusal]);
    const run = await deploy(todoSpec(name));
    expect(run.status).toBe("failed");
    expect(run.error?.code).toBe("cloudflare_api_error");
    expect(run.error?.message).toContain("10021: Uncaught SyntaxError");
    expect((await api(`/v1/apps/${name}`)).status).toBe(404);
    const events = await (await api(`/v1/runs/${run.id}/events`)).text();
    expect(events).not.toContain("cf-test-token");
    expect(JSON.stringify(run)).not.toContain("cf-test-token");
  });

  it("deploys over an upload whose answer was lost: the live migration tag decides, one upload, no retry", async () => {
    const name = uniqueName("half");
    await script(name, []);
    // An earlier attempt's upload took effect on Cloudflare, but the Registry never heard of it.
    const earlier = await directDeployer().deploy(`aidevos-app-${name}`, await bundleOf(name), null);
    expect(earlier.migrationTag).toBe("v1");
    await script(name, []);
    const run = await deploy(todoSpec(name));
    expect(run.status).toBe("succeeded");
    const puts = (await calls(name)).filter((c) => c.method === "PUT" && c.sub === null);
    // One upload, accepted: the script's tag (v1) says the class exists, so no migration is sent.
    expect(puts.map((c) => c.status)).toEqual([200]);
    expect(puts[0].metadata.migrations).toBeUndefined();
  });

  it("renames a class with the migration the live tag calls for, also after a rename whose answer was lost", async () => {
    const name = uniqueName("rename");
    await script(name, []);
    const cf = directDeployer();
    const scriptName = `aidevos-app-${name}`;
    const first = await cf.deploy(scriptName, await bundleOf(name), null);
    const renamed = { ...(await bundleOf(name)), className: "AppNext" };
    const second = await cf.deploy(scriptName, renamed, first);
    // The Registry still holds `first` (its write was lost): the live tag (v2) says the rename is done.
    const third = await cf.deploy(scriptName, renamed, first);
    const puts = (await calls(name)).filter((c) => c.method === "PUT" && c.sub === null);
    expect(puts.map((c) => c.status)).toEqual([200, 200, 200]);
    expect(puts[1].metadata.migrations).toEqual({
      old_tag: "v1",
      new_tag: "v2",
      renamed_classes: [{ from: "App", to: "AppNext" }],
    });
    expect(puts[2].metadata.migrations).toBeUndefined();
    expect([second.migrationTag, third.migrationTag]).toEqual(["v2", "v2"]);
  });

  it("the fake refuses what Cloudflare refuses: a stale old_tag, a class no migration declared, a bad R2 binding", async () => {
    const name = uniqueName("strict");
    await script(name, []);
    const form = (metadata: object) => {
      const f = new FormData();
      f.append("metadata", new Blob([JSON.stringify(metadata)], { type: "application/json" }));
      f.append("index.js", new Blob(["export default {}"], { type: "application/javascript+module" }), "index.js");
      return f;
    };
    const client = new CloudflareClient({ accountId: "test-account", apiToken: "cf-test-token-9d2f", baseUrl: cfUrl });
    const path = `/workers/scripts/aidevos-app-${name}`;
    const binding = { bindings: [{ type: "durable_object_namespace", name: "APP", class_name: "App" }] };
    const noMigration = await client
      .call("PUT", path, form({ main_module: "index.js", ...binding }))
      .catch((e: Error) => e);
    expect((noMigration as Error).message).toContain("10061");
    await client.call(
      "PUT",
      path,
      form({ main_module: "index.js", ...binding, migrations: { new_tag: "v1", new_sqlite_classes: ["App"] } }),
    );
    const stale = await client
      .call("PUT", path, form({ main_module: "index.js", ...binding, migrations: { old_tag: "v0", new_tag: "v2" } }))
      .catch((e: Error) => e);
    expect((stale as Error).message).toContain("current tag is v1");
    // An R2 binding is { type: "r2_bucket", name, bucket_name } naming a bucket of the account.
    for (const r2 of [
      { type: "r2_bucket", name: "APP_FILES" },
      { type: "r2_bucket", name: "APP_FILES", bucket_name: "Not A Bucket" },
      { type: "r2_bucket", name: "app-files", bucket_name: "aidevos-app-files" },
      { type: "r2_bucket", name: "APP_FILES", bucket_name: "no-such-bucket" },
    ]) {
      const refused = await client
        .call("PUT", path, form({ main_module: "index.js", bindings: [...binding.bindings, r2] }))
        .catch((e: Error) => e);
      expect((refused as Error).message, JSON.stringify(r2)).toMatch(/10021|10085/);
    }
  });

  it("uploads into a Workers for Platforms dispatch namespace when one is configured", async () => {
    const name = uniqueName("wfp");
    await script(name, []);
    const deployer = directDeployer("tenants");
    const bundle = await bundleOf(name);
    const first = await deployer.deploy(name, bundle, null);
    const second = await deployer.deploy(name, bundle, first);
    // An upload whose answer was lost (the Registry still knows nothing): the live tag says v1, one upload.
    const third = await deployer.deploy(name, bundle, null);
    const sent = await calls(name);
    // Each upload reads the script's migration tag first (404 before the first).
    expect(sent.map((c) => `${c.method} ${c.namespace} ${c.status}`)).toEqual([
      "GET tenants 404",
      "PUT tenants 200",
      "GET tenants 200",
      "PUT tenants 200",
      "GET tenants 200",
      "PUT tenants 200",
    ]);
    expect(sent[1].metadata.migrations).toEqual({ new_tag: "v1", new_sqlite_classes: ["App"] });
    expect(sent[3].metadata.migrations).toBeUndefined();
    expect(sent[5].metadata.migrations).toBeUndefined();
    expect(second.versionId).not.toBe(first.versionId);
    expect(third.migrationTag).toBe("v1");
  });
});
