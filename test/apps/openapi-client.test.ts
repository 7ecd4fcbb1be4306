// Proves a client generated from an app's OpenAPI document drives the live app: openapi-fetch typed by
// test/apps/generated/todo-filters.ts (openapi-typescript's output for the document, checked in Node by
// test/e2e/openapi-client-types.test.ts) creates, filters, sorts, reads, patches, toggles (an action),
// increments and deletes through the gateway, and gets the error envelope back typed. Here in workerd,
// through the Worker's own fetch, rather than against wrangler dev: the same gateway code, with no
// second dev server on a shared machine; what it proves is the document, not the transport.
import { exports } from "cloudflare:workers";
import createClient from "openapi-fetch";
import { describe, expect, it } from "vitest";
import todoCase from "../acceptance/cases/todo-filters.json";
import { api, json, startRun, uniqueName, waitForRun } from "../support/api";
import type { paths } from "./generated/todo-filters";

describe("a typed client generated from the app's document", () => {
  it("drives the live todo app through every documented route it uses", async () => {
    const name = uniqueName("client");
    const run = await waitForRun((await startRun({ request: "todo", spec: { ...todoCase.spec, name } })).id, 40_000);
    expect(run.status).toBe("succeeded");
    const doc = await json(await api(`/apps/${name}/openapi.json`));
    const client = createClient<paths>({
      baseUrl: doc.servers[0].url,
      fetch: (request: Request) => exports.default.fetch(request),
    });

    const made = await client.POST("/tasks", { body: { title: "ship", priority: 5 } });
    expect(made.response.status).toBe(201);
    const task = made.data!;
    expect(task).toMatchObject({ title: "ship", priority: 5, done: false, due: null });
    await client.POST("/tasks", { body: { title: "later", priority: 1, due: "2030-01-01T00:00:00Z" } });

    const high = await client.GET("/tasks", { params: { query: { "priority[gte]": 3, sort: "-priority" } } });
    expect(high.data!.items.map((t) => t.title)).toEqual(["ship"]);
    expect(high.data!.nextCursor).toBeNull();

    const read = await client.GET("/tasks/{id}", { params: { path: { id: task.id } } });
    expect(read.data!.id).toBe(task.id);
    const patched = await client.PATCH("/tasks/{id}", {
      params: { path: { id: task.id } },
      body: { title: "shipped" },
    });
    expect(patched.data!.title).toBe("shipped");
    const toggled = await client.POST("/tasks/{id}/toggle", { params: { path: { id: task.id } } });
    expect(toggled.data).toMatchObject({ done: true });
    const bumped = await client.POST("/tasks/{id}/increment", {
      params: { path: { id: task.id } },
      body: { field: "priority", by: -2 },
    });
    expect(bumped.data!.priority).toBe(3);

    const bad = await client.POST("/tasks", { body: { title: "" } });
    expect(bad.response.status).toBe(400);
    expect(bad.error).toMatchObject({ error: { code: "validation_failed" } });
    const gone = await client.DELETE("/tasks/{id}", { params: { path: { id: task.id } } });
    expect(gone.response.status).toBe(204);
    const missing = await client.GET("/tasks/{id}", { params: { path: { id: task.id } } });
    expect(missing.error?.error.code).toBe("not_found");
  });
});
