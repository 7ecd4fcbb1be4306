// Proves the gateway's HTTP contract: health, OpenAPI, run creation and listing, and every error path as JSON.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, json, startRun, todoSpec, uniqueName } from "../support/api";

describe("gateway basics", () => {
  it("answers /healthz with the provider in use", async () => {
    const res = await api("/healthz");
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ ok: true, provider: "offline" });
  });

  it("publishes an OpenAPI document generated from the zod schemas", async () => {
    const doc = await json(await api("/openapi.json"));
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/runs", "/v1/runs/{id}", "/v1/runs/{id}/events", "/v1/apps", "/v1/apps/{name}"]),
    );
    const body = doc.paths["/v1/runs"].post.requestBody.content["application/json"].schema;
    expect(JSON.stringify(body)).toContain("partition");
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await api("/nope");
    expect(res.status).toBe(404);
    expect((await json(res)).error.code).toBe("not_found");
  });
});

describe("POST /v1/runs", () => {
  it("queues a run and links to it", async () => {
    const res = await api("/v1/runs", {
      method: "POST",
      json: { request: "a todo list", spec: todoSpec(uniqueName("t")) },
    });
    expect(res.status).toBe(202);
    const run = await json(res);
    expect(run.id).toMatch(/^[0-9a-f]{64}$/);
    expect(["queued", "running"]).toContain(run.status);
    expect(run.stages.map((s: { name: string }) => s.name)).toEqual([
      "planning",
      "codegen",
      "testing",
      "deploy",
      "monitoring",
      "learning",
    ]);
    expect(res.headers.get("location")).toBe(`/v1/runs/${run.id}`);
    expect(run.links.events).toBe(`/v1/runs/${run.id}/events`);
  });

  it("rejects malformed JSON as invalid_json", async () => {
    const res = await api("/v1/runs", {
      method: "POST",
      body: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe("invalid_json");
  });

  it("names every invalid path", async () => {
    const res = await api("/v1/runs", {
      method: "POST",
      json: {
        request: "",
        spec: { name: "Bad Name", entities: [{ name: "x", plural: "xs", fields: { f: { type: "color" } } }] },
        extra: 1,
      },
    });
    expect(res.status).toBe(400);
    const { error } = await json(res);
    expect(error.code).toBe("validation_failed");
    const paths = error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["request", "spec.name", "spec.entities.0.fields.f.type"]));
    expect(paths.some((p: string) => p === "" || p.includes("extra"))).toBe(true);
  });

  it("checks spec rules beyond types: reserved names, unique fields, bad defaults", async () => {
    const res = await api("/v1/runs", {
      method: "POST",
      json: {
        request: "x",
        spec: {
          name: "rules",
          entities: [
            {
              name: "item",
              plural: "items",
              fields: { id: { type: "string" }, n: { type: "integer", min: 5, default: 1 } },
              unique: ["missing"],
            },
          ],
        },
      },
    });
    expect(res.status).toBe(400);
    const paths = (await json(res)).error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining(["spec.entities.0.fields.id", "spec.entities.0.fields.n", "spec.entities.0.unique.0"]),
    );
  });

  it("refuses bodies over 1 MiB with 413", async () => {
    const res = await api("/v1/runs", { method: "POST", json: { request: "x".repeat(1024 * 1024 + 10) } });
    expect(res.status).toBe(413);
    expect((await json(res)).error.code).toBe("payload_too_large");
  });

  it("refuses non-JSON bodies with 415", async () => {
    const res = await api("/v1/runs", { method: "POST", body: "request=x", headers: { "content-type": "text/plain" } });
    expect(res.status).toBe(415);
    expect((await json(res)).error.code).toBe("unsupported_media_type");
  });

  it("explains that offline mode needs a spec when no app pattern matches the request", async () => {
    const res = await api("/v1/runs", { method: "POST", json: { request: "build me a blog" } });
    expect(res.status).toBe(422);
    const { error } = await json(res);
    expect(error.code).toBe("offline_needs_spec");
    expect(error.message).toContain("ANTHROPIC_API_KEY");
  });

  it("requires app and spec.name to agree", async () => {
    const res = await api("/v1/runs", { method: "POST", json: { request: "x", app: "other", spec: todoSpec("mine") } });
    expect(res.status).toBe(400);
    expect((await json(res)).error.details[0].path).toBe("app");
  });
});

describe("Idempotency-Key", () => {
  it("returns the same run for the same key and body, without a second run", async () => {
    const key = crypto.randomUUID();
    const body = { request: "same", spec: todoSpec(uniqueName("idem")) };
    const a = await startRun(body, { "idempotency-key": key });
    const b = await startRun(body, { "idempotency-key": key });
    expect(b.id).toBe(a.id);
    const list = await json(await api("/v1/runs?limit=100"));
    expect(list.items.filter((r: { id: string }) => r.id === a.id)).toHaveLength(1);
  });

  it("answers 422 when the key comes back with another body", async () => {
    const key = crypto.randomUUID();
    await startRun({ request: "first", spec: todoSpec(uniqueName("idem")) }, { "idempotency-key": key });
    const res = await api("/v1/runs", {
      method: "POST",
      json: { request: "second", spec: todoSpec(uniqueName("idem")) },
      headers: { "idempotency-key": key },
    });
    expect(res.status).toBe(422);
    expect((await json(res)).error.code).toBe("idempotency_key_reused");
  });

  it("rejects keys over 255 characters", async () => {
    const res = await api("/v1/runs", {
      method: "POST",
      json: { request: "x", spec: todoSpec(uniqueName("idem")) },
      headers: { "idempotency-key": "k".repeat(256) },
    });
    expect(res.status).toBe(400);
    expect((await json(res)).error.details[0].path).toBe("headers.idempotency-key");
  });
});

describe("GET /v1/runs and /v1/runs/:id", () => {
  it("lists runs newest first, page by page", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await startRun({ request: `r${i}`, spec: todoSpec(uniqueName("list")) })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = await json(
        await api(`/v1/runs?limit=2${cursor ? `&cursor=${cursor}` : ""}`),
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    const positions = ids.map((id) => seen.indexOf(id));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => b - a));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("rejects a bad limit or cursor", async () => {
    expect((await api("/v1/runs?limit=0")).status).toBe(400);
    expect((await api("/v1/runs?limit=abc")).status).toBe(400);
    const res = await api("/v1/runs?cursor=nonsense");
    expect(res.status).toBe(400);
    expect((await json(res)).error.details[0].path).toBe("cursor");
  });

  it("answers 404 for runs that do not exist", async () => {
    for (const id of ["nope", "0".repeat(64), env.RUNS.newUniqueId().toString()]) {
      const res = await api(`/v1/runs/${id}`);
      expect(res.status).toBe(404);
      expect((await json(res)).error.code).toBe("not_found");
      expect((await api(`/v1/runs/${id}/events`)).status).toBe(404);
      expect((await api(`/v1/runs/${id}/cancel`, { method: "POST" })).status).toBe(404);
    }
  });
});
