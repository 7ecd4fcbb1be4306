// Proves apps with only declarative parts share one loaded runtime Worker while apps with actions,
// channels, schedules or outbound origins (or any code the compiler did not write) keep a Worker of their own; that apps sharing the runtime keep their specs
// apart under interleaved, concurrent requests and across a redeploy; and that the shared runtime is
// instrumented and guarded like any app.
import { compileApp, declarativeSpecOf, sharedRuntime } from "@aidevos/compiler";
import { AppSpec, type AppSpecInput, bundleHash, type CodeBundle } from "@aidevos/core";
import { sharedAppWorkerCode } from "@aidevos/sandbox";
import { describe, expect, it } from "vitest";
import { hostApp } from "../support/app-host";

const task = {
  name: "task",
  plural: "tasks",
  fields: { title: { type: "string", required: true, maxLength: 5 } },
} satisfies NonNullable<AppSpecInput["entities"]>[number];
const tasks: AppSpecInput = { name: "tasks", entities: [task], counters: [{ name: "seen" }] };
const notes: AppSpecInput = {
  name: "notes",
  partition: "single",
  entities: [
    {
      name: "note",
      plural: "notes",
      fields: { body: { type: "string", required: true, pattern: "^[a-z]+$" }, n: { type: "integer", default: 7 } },
      sortable: ["n"],
    },
  ],
};
const withAction: AppSpecInput = {
  ...tasks,
  name: "acting",
  actions: [{ name: "hi", method: "GET", path: "/hi", code: "export default async () => ({ hi: true });\n" }],
};

/** The same bundle with one module's text changed (and the hash to match); an edit that changes nothing throws. */
async function edited(bundle: CodeBundle, path: string, edit: (text: string) => string): Promise<CodeBundle> {
  const files = bundle.files.map((f) => {
    if (f.path !== path) return f;
    const content = edit(f.content);
    if (content === f.content) throw new Error(`the edit of ${path} changed nothing: its text moved`);
    return { ...f, content };
  });
  return { ...bundle, files, hash: await bundleHash(files) };
}

describe("which Worker runs an app", () => {
  it("runs every app without actions in one shared runtime, and an app with actions in its own", async () => {
    const a = await hostApp(tasks);
    const b = await hostApp(notes);
    const c = await hostApp(withAction);
    expect((await a.send("GET", "/tasks")).status).toBe(200);
    expect((await b.send("GET", "/notes")).status).toBe(200);
    expect((await c.send("GET", "/hi")).body).toEqual({ hi: true });
    const shared = await a.host.worker();
    expect(shared).toMatch(/^runtime:[0-9a-f]{64}$/);
    expect(await b.host.worker()).toBe(shared);
    expect(await c.host.worker()).toBe(`app:${c.bundle.hash}`);
    // A version with actions moves the app to a Worker of its own, and one without moves it back.
    await a.redeploy(withAction);
    expect((await a.send("GET", "/hi")).body).toEqual({ hi: true });
    expect(await a.host.worker()).toBe(`app:${a.bundle.hash}`);
    await a.redeploy(tasks);
    expect((await a.send("GET", "/hi")).status).toBe(404);
    expect(await a.host.worker()).toBe(shared);
  });

  it("gives code the compiler did not write a Worker of its own, and serves it as written", async () => {
    const compiled = await compileApp(AppSpec.parse(tasks));
    const runtime = await edited(compiled, "app.js", (t) =>
      t.replace("return json(201, record);", 'return json(201, { ...record, mine: "yes" });'),
    );
    const spec = await edited(compiled, "spec.js", (t) => `${t}export const MORE = 1;\n`);
    for (const bundle of [runtime, spec]) {
      expect(declarativeSpecOf(bundle)).toBeNull();
      const app = await hostApp(tasks);
      await app.redeploy(bundle);
      const created = await app.send("POST", "/tasks", { title: "abc" });
      expect(created.status).toBe(201);
      expect(created.body.mine).toBe(bundle === runtime ? "yes" : undefined);
      expect(await app.host.worker()).toBe(`app:${bundle.hash}`);
    }
    // A spec.js written as the compiler writes it is a spec like any other, whoever wrote it.
    const other = await edited(compiled, "spec.js", (t) => t.replace('"maxLength": 5', '"maxLength": 6'));
    expect(declarativeSpecOf(other)?.entities[0]?.fields.title).toMatchObject({ maxLength: 6 });
  });

  it("reads the spec back from exactly what the compiler wrote, and only without actions", async () => {
    const spec = AppSpec.parse(notes);
    expect(declarativeSpecOf(await compileApp(spec))).toEqual(JSON.parse(JSON.stringify(spec)));
    expect(declarativeSpecOf(await compileApp(AppSpec.parse(withAction)))).toBeNull();
    // A channel lists itself from realtime.js at module level, and outbound origins need an env of the app's own.
    expect(declarativeSpecOf(await compileApp(AppSpec.parse({ ...notes, channels: [{ name: "feed" }] })))).toBeNull();
    expect(
      declarativeSpecOf(await compileApp(AppSpec.parse({ ...notes, outbound: ["https://api.example.com"] }))),
    ).toBeNull();
    const extra = await compileApp(spec);
    expect(
      declarativeSpecOf({ ...extra, files: [...extra.files, { ...extra.files[0]!, path: "more.js" }] }),
    ).toBeNull();
    expect(declarativeSpecOf(await edited(extra, "spec.js", (t) => t.replace("{", "[")))).toBeNull();
  });
});

describe("apps sharing the runtime", () => {
  it("keep their specs apart under interleaved concurrent requests", async () => {
    // A task's ref is checked after its body is read (an await): with another app's spec there, no project exists.
    const a = await hostApp({
      ...tasks,
      entities: [
        { name: "project", plural: "projects", fields: { name: { type: "string" } } },
        { ...task, fields: { ...task.fields, project: { type: "ref", entity: "project", required: true } } },
      ],
    });
    const b = await hostApp(notes);
    const project = (await a.send("POST", "/projects", { name: "p" })).body.id;
    const replies = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        i % 2 === 0
          ? a.send("POST", "/tasks", { title: `t${i % 10}`, project })
          : b.send("POST", "/notes", { body: "abc" }),
      ),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(60).fill(201));
    expect(replies.filter((_, i) => i % 2 === 1).every((r) => r.body.n === 7)).toBe(true);
    // Each app's routes, validation and counters are its own spec's.
    expect((await a.send("GET", "/notes")).status).toBe(404);
    expect((await b.send("GET", "/tasks")).status).toBe(404);
    expect((await a.send("POST", "/tasks", { title: "toolong", project })).body.error.details[0].path).toBe("title");
    expect((await b.send("POST", "/notes", { body: "ABC" })).body.error.details[0].path).toBe("body");
    expect((await a.send("POST", "/counters/seen/increment")).body).toEqual({ name: "seen", value: 1 });
    expect((await b.send("POST", "/counters/seen/increment")).status).toBe(404);
    expect((await b.send("GET", "/notes?sort=-n&limit=2")).body.items).toHaveLength(2);
    expect((await a.send("GET", "/tasks?limit=100")).body.items).toHaveLength(30);
  });

  it("serve a redeploy with the new spec on the same data", async () => {
    const app = await hostApp(tasks);
    expect((await app.send("POST", "/tasks", { title: "one" })).status).toBe(201);
    await app.redeploy({ ...tasks, counters: [], entities: [{ ...task, fields: { title: { type: "string" } } }] });
    expect((await app.send("POST", "/tasks", { title: "longer than five" })).status).toBe(201);
    expect((await app.send("GET", "/tasks")).body.items).toHaveLength(2);
    expect((await app.send("GET", "/counters/seen")).status).toBe(404);
  });
});

describe("the shared runtime Worker", () => {
  it("is instrumented and guarded like any app, and holds no app's spec", () => {
    const runtime = sharedRuntime();
    const code = sharedAppWorkerCode(runtime, runtime.specModule);
    expect(code.globalOutbound).toBeNull();
    for (const f of runtime.files) expect(code.modules[f.path]).toContain("__aidevos_tick");
    expect(Object.keys(code.modules)).toContain("__aidevos_guard.js");
    expect(code.modules[runtime.specModule]).not.toContain('"entities": [');
    expect(runtime.files.some((f) => f.path === runtime.specModule)).toBe(false);
  });
});
