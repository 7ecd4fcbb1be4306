// Proves an action cannot shadow a file route (AppSpec v3 "Routes"): an action path shaped like
// `/{plural}/{id}/files/{field}` (four segments, the third `files`, literal or :param) is refused by the
// schema and at POST /v1/runs with 400 validation_failed naming the path; other paths with `files` in
// them stay allowed.
import { AppSpec, type AppSpecInput } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, json, uniqueName } from "../support/api";

const spec = (path: string, method = "PUT"): AppSpecInput => ({
  name: "shadow",
  entities: [{ name: "product", plural: "products", fields: { photo: { type: "file" } } }],
  actions: [{ name: "upload", method: method as "PUT", path, code: "export default async () => ({ ok: true });" }],
});

function problems(input: unknown): string[] {
  const parsed = AppSpec.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("action paths shaped like a file route", () => {
  it("are refused by the schema, whatever the method and whether segments are literal or :param", () => {
    for (const [path, method] of [
      ["/products/:id/files/:field", "PUT"],
      ["/products/:id/files/photo", "GET"],
      ["/products/p1/files/photo", "DELETE"],
      ["/anything/:x/files/:y", "POST"],
    ] as const)
      expect(problems(spec(path, method)), path).toEqual([
        `actions.0.path: path ${path} is shaped like a file route (/{plural}/{id}/files/{field}), which the platform answers`,
      ]);
    for (const path of ["/files", "/files/:name", "/products/:id/files", "/products/:id/files/:f/meta", "/a/files/b"])
      expect(problems(spec(path)), path).toEqual([]);
  });

  it("are refused at POST /v1/runs with 400 validation_failed", async () => {
    const res = await api("/v1/runs", {
      method: "POST",
      json: {
        request: "shadow a file route",
        spec: { ...spec("/products/:id/files/:field"), name: uniqueName("shadow") },
      },
    });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.code).toBe("validation_failed");
    expect(JSON.stringify(body.error.details)).toContain("shaped like a file route");
  });
});
