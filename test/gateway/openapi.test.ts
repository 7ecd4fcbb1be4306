// Proves /openapi.json declares how to call the API: the bearer security scheme on every /v1 operation
// (with its 401), the server it was fetched from, a unique operationId per operation, and that it is
// exactly the document the Node lint (test/e2e/openapi-lint.test.ts) checks.
import { describe, expect, it } from "vitest";
import { apiDocument } from "../../workers/gateway/src/openapi-document";
import { api, json } from "../support/api";

const METHODS = ["get", "put", "post", "delete", "patch"];

async function served() {
  const res = await api("/openapi.json");
  expect(res.status).toBe(200);
  return json(res);
}

function operations(doc: any): [string, string, any][] {
  return Object.entries(doc.paths).flatMap(([path, item]: [string, any]) =>
    METHODS.filter((m) => item[m]).map((m): [string, string, any] => [path, m, item[m]]),
  );
}

describe("/openapi.json", () => {
  it("declares the bearer scheme and applies it, with its 401, to every /v1 operation", async () => {
    const doc = await served();
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThanOrEqual(20);
    for (const [path, method, op] of ops) {
      expect(path.startsWith("/v1/"), path).toBe(true);
      expect(op.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
      expect(op.responses["401"], `${method} ${path}`).toBeDefined();
    }
  });

  it("names the server it was fetched from", async () => {
    expect((await served()).servers).toEqual([{ url: "http://gateway.test", description: "this gateway" }]);
  });

  it("gives every operation a unique operationId", async () => {
    const ids = operations(await served()).map(([, , op]) => op.operationId);
    expect(ids.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("is exactly the document built from the route definitions, which the Node lint checks", async () => {
    expect(await served()).toEqual(apiDocument("http://gateway.test"));
  });
});
