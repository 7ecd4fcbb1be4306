// Proves the Registry keeps each file's content once across versions and apps, serves bundles back whole, and moves a Registry that kept a copy per row.
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import type { RegistryDO } from "@aidevos/registry";
import { describe, expect, it } from "vitest";
import { api, startRun, todoSpec, uniqueName, waitForRun } from "../support/api";

describe("the Registry's files", () => {
  it("stores content shared by two apps once and gives each app its whole bundle", async () => {
    const names = [uniqueName("share-a"), uniqueName("share-b")];
    for (const name of names) {
      expect((await waitForRun((await startRun({ request: name, spec: todoSpec(name) })).id)).status).toBe("succeeded");
    }
    const registry = env.REGISTRY.get(env.REGISTRY.idFromName("global"));
    const counts = await runInDurableObject(registry, async (_: RegistryDO, state) =>
      state.storage.sql
        .exec<{ rows: number; contents: number }>(
          "SELECT COUNT(*) AS rows, COUNT(DISTINCT hash) AS contents FROM version_files WHERE app IN (?, ?)",
          ...names,
        )
        .one(),
    );
    // Eighteen files each; only spec.js names the app. The runtime modules, and here the samples (same
    // fields), the patterns stub (no pattern) and the handlers (no actions), are stored once for both.
    expect(counts).toEqual({ rows: 36, contents: 19 });
    for (const name of names) {
      const bundle = await registry.getBundle(name, 1);
      expect(bundle?.files.map((f) => f.path)).toEqual([
        "accounts.js",
        "actions.js",
        "app.js",
        "data.js",
        "files.js",
        "handlers.js",
        "index.js",
        "model.js",
        "model.test.js",
        "owners.js",
        "passwords.js",
        "patterns.js",
        "query.js",
        "realtime.js",
        "records.js",
        "samples.js",
        "search.js",
        "spec.js",
      ]);
      expect(bundle?.files.find((f) => f.path === "spec.js")?.content).toContain(name);
      expect((await api(`/apps/${name}/tasks`)).status).toBe(200);
    }
  });

  it.each([
    ["as it was", "version_files"],
    ["cut short by a restart", "version_files_copies"],
  ])("moves a Registry that kept a copy of every file per row: %s", async (_case, legacyTable) => {
    const registry = env.REGISTRY.get(env.REGISTRY.idFromName(`legacy-${crypto.randomUUID()}`));
    const files = [
      { path: "index.js", role: "source", content: "export { App } from './app.js';" },
      { path: "app.js", role: "source", content: "export class App {}" },
    ];
    await runInDurableObject(registry, async (_: RegistryDO, state) => {
      const sql = state.storage.sql;
      // The layout before content-addressed files (or its renamed copy, as a restart mid-move leaves it).
      sql.exec("DROP TABLE version_files");
      sql.exec(`CREATE TABLE ${legacyTable} (
        app TEXT NOT NULL, version INTEGER NOT NULL, path TEXT NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL,
        PRIMARY KEY (app, version, path))`);
      sql.exec(
        "INSERT INTO apps (name, partition, live_version, latest_version, created_at, updated_at) VALUES ('old', 'single', 1, 1, 'x', 'x')",
      );
      sql.exec(
        "INSERT INTO versions (app, version, code_hash, spec, main_module, class_name, run_id, created_at) VALUES ('old', 1, 'h', '{}', 'index.js', 'App', 'run-old', 'x')",
      );
      for (const f of files) {
        sql.exec(`INSERT INTO ${legacyTable} VALUES ('old', 1, ?, ?, ?)`, f.path, f.role, f.content);
      }
    });
    await evictDurableObject(registry);
    const bundle = await registry.getBundle("old", 1);
    expect(bundle?.files).toEqual([...files].sort((a, b) => (a.path < b.path ? -1 : 1)));
    const left = await runInDurableObject(registry, async (_: RegistryDO, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'version_files_copies'").toArray(),
    );
    expect(left).toEqual([]);
  });
});
