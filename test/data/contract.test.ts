// Proves the contract of AppSpec v3 data: the diff calls narrowing a json or file field's maxBytes, an
// array's maxItems or items, or a file's contentTypes breaking (widening not), and removing a field
// from `search` breaking; the app's OpenAPI document describes json, array and file values, the
// filters `in`, `prefix`, `has`, `q` and the timestamps, the file routes (binary bodies) and
// multipart creates.

import { AppSpec, type AppSpecInput, appContract, contractDiff } from "@aidevos/core";
import { describe, expect, it } from "vitest";

const base = {
  title: { type: "string", maxLength: 50 },
  tags: { type: "array", items: { type: "string", maxLength: 10 }, maxItems: 5 },
  attrs: { type: "json", maxBytes: 1000 },
  photo: { type: "file", maxBytes: 1000, contentTypes: ["image/*", "application/pdf"] },
} as const;

const spec = (fields: object, search?: string[]): AppSpec =>
  AppSpec.parse({
    name: "shop",
    entities: [{ name: "product", plural: "products", fields, ...(search ? { search } : {}) }],
  } as AppSpecInput);

const breaking = (before: AppSpec, after: AppSpec) =>
  contractDiff(before, after)
    .filter((c) => c.breaking)
    .map((c) => c.at);

describe("the contract diff of v3 data", () => {
  it("narrowing maxBytes, maxItems, items or contentTypes is breaking; widening is not", async () => {
    const before = spec(base);
    const cases: [object, string][] = [
      [{ attrs: { type: "json", maxBytes: 999 } }, "products.attrs.maxBytes"],
      [{ attrs: { type: "json" } }, ""],
      [{ tags: { ...base.tags, maxItems: 4 } }, "products.tags.maxItems"],
      [{ tags: { ...base.tags, items: { type: "string", maxLength: 9 } } }, "products.tags.items.maxLength"],
      [{ tags: { ...base.tags, items: { type: "integer" } } }, "products.tags.items"],
      [{ photo: { ...base.photo, maxBytes: 999 } }, "products.photo.maxBytes"],
      [{ photo: { ...base.photo, contentTypes: ["image/png", "application/pdf"] } }, "products.photo.contentTypes"],
      [{ photo: { ...base.photo, contentTypes: ["image/*"] } }, "products.photo.contentTypes"],
      [{ photo: { ...base.photo, contentTypes: ["image/*", "application/pdf", "text/plain"] } }, ""],
      [{ photo: { type: "file", maxBytes: 1000 } }, ""],
      [{ tags: { ...base.tags, maxItems: 50 }, attrs: { type: "json", maxBytes: 5000 } }, ""],
    ];
    for (const [change, at] of cases) {
      const after = spec({ ...base, ...change });
      expect(breaking(before, after), JSON.stringify(change)).toEqual(at ? [at] : []);
    }
    expect(breaking(spec({ ...base, photo: { type: "file" } }), spec(base))).toEqual([
      "products.photo.maxBytes",
      "products.photo.contentTypes",
    ]);
  });

  it("removing a field from search is breaking; adding one is not", () => {
    expect(breaking(spec(base, ["title"]), spec(base))).toEqual(["products.search"]);
    expect(breaking(spec(base), spec(base, ["title"]))).toEqual([]);
    expect(contractDiff(spec(base), spec(base, ["title"]))).toEqual([
      expect.objectContaining({ change: "added", subject: "search", breaking: false }),
    ]);
  });
});

describe("the OpenAPI document of v3 data", () => {
  const doc = appContract(spec(base, ["title"]), { serverUrl: "http://x" }) as any;

  it("describes json, array and file values", () => {
    const props = doc.components.schemas.Product.properties;
    expect(props.tags).toMatchObject({
      type: ["array", "null"],
      items: { type: "string", maxLength: 10 },
      maxItems: 5,
    });
    expect(props.attrs.description).toContain("1000 bytes");
    expect(props.photo).toMatchObject({ type: ["object", "null"], required: ["size", "contentType", "sha256"] });
  });

  it("lists in, prefix, has, q and timestamp ranges, and no equality filter on json, array or file", () => {
    const names = doc.paths["/products"].get.parameters.map((p: { name: string }) => p.name);
    for (const name of ["title[in]", "title[prefix]", "tags[has]", "q", "createdAt[gte]", "updatedAt[lt]", "sort"])
      expect(names).toContain(name);
    for (const name of ["attrs", "tags", "photo", "attrs[in]"]) expect(names).not.toContain(name);
  });

  it("has the file routes with binary bodies and multipart creates", () => {
    const route = doc.paths["/products/{id}/files/photo"];
    expect(Object.keys(route).sort()).toEqual(["delete", "get", "put"]);
    expect(Object.keys(route.put.requestBody.content)).toEqual(["image/*", "application/pdf"]);
    expect(route.put.requestBody.content["image/*"].schema).toEqual({ type: "string", format: "binary" });
    expect(route.put.responses).toHaveProperty("413");
    expect(route.put.responses).toHaveProperty("415");
    expect(route.get.responses).toHaveProperty("304");
    const create = doc.paths["/products"].post.requestBody.content;
    expect(create["multipart/form-data"].schema.properties.photo).toEqual({ type: "string", format: "binary" });
  });
});
