// Proves every AppSpec v2 entity key is validated at POST /v1/runs with the path of what is wrong, and
// that a generated app matches spec patterns in linear time (RE2), even a pattern that would backtrack
// for hours in a RegExp.

import { env } from "cloudflare:workers";
import { compileApp } from "@aidevos/compiler";
import type { AppSpec } from "@aidevos/core";
import { describe, expect, it } from "vitest";
import { api, errorPaths, json, waitForRun } from "../support/api";

async function refusedPaths(spec: unknown): Promise<string[]> {
  const res = await api("/v1/runs", { method: "POST", json: { request: "build it", spec } });
  expect(res.status).toBe(400);
  const body = await json(res);
  expect(body.error.code).toBe("validation_failed");
  return errorPaths(body);
}

describe("AppSpec v2 entity keys", () => {
  it("names each wrong ref, unique and sortable by its path", async () => {
    const paths = await refusedPaths({
      name: "shop",
      entities: [
        { name: "cart", plural: "carts", fields: { owner: { type: "string" } } },
        {
          name: "item",
          plural: "items",
          fields: {
            cartId: { type: "ref", entity: "basket" },
            sku: { type: "string" },
            sort: { type: "string" },
          },
          unique: ["sku", ["cartId", "colour"], ["sku", "sku"]],
          sortable: ["price", "sku", "sku"],
        },
      ],
    });
    expect(paths).toEqual(
      expect.arrayContaining([
        "spec.entities.1.fields.cartId.entity",
        "spec.entities.1.fields.sort",
        "spec.entities.1.unique.1.1",
        "spec.entities.1.unique.2",
        "spec.entities.1.sortable.0",
        "spec.entities.1.sortable.2",
      ]),
    );
  });

  it("refuses an onDelete other than cascade or restrict", async () => {
    const paths = await refusedPaths({
      name: "shop",
      entities: [
        { name: "cart", plural: "carts", fields: { owner: { type: "string" } } },
        { name: "item", plural: "items", fields: { cartId: { type: "ref", entity: "cart", onDelete: "nullify" } } },
      ],
    });
    expect(paths).toEqual(["spec.entities.1.fields.cartId.onDelete"]);
  });

  it("accepts the v2 shop of the AppSpec document", async () => {
    const res = await api("/v1/runs", {
      method: "POST",
      json: {
        request: "carts",
        spec: {
          name: "v2-shop-ok",
          partition: "perKey",
          entities: [
            { name: "cart", plural: "carts", fields: { owner: { type: "string", required: true } } },
            {
              name: "item",
              plural: "items",
              fields: {
                cartId: { type: "ref", entity: "cart", required: true, onDelete: "cascade" },
                sku: { type: "string", required: true },
                price: { type: "number", min: 0 },
              },
              unique: [["cartId", "sku"]],
              sortable: ["price"],
            },
          ],
        },
      },
    });
    expect(res.status).toBe(202);
    const run = await waitForRun((await json(res)).id, 60_000);
    expect(run.status, JSON.stringify(run.error)).toBe("succeeded");
  }, 90_000);
});

describe("patterns in the app", () => {
  it("match in linear time: a hostile value against an exponential-for-backtracking pattern answers", async () => {
    // The gateway refuses such a pattern (safe-pattern checks); the app must not depend on that, so
    // this bundle is compiled from the spec as given, with no validation in front of it.
    const spec = {
      name: "hostile",
      partition: "single",
      entities: [{ name: "word", plural: "words", fields: { w: { type: "string", pattern: "^(a+)+$" } } }],
    } as unknown as AppSpec;
    const bundle = await compileApp(spec);
    expect(bundle.files.map((f) => f.path)).toContain("re2js.js");
    const host = env.APP_HOST.get(env.APP_HOST.idFromName(`hostile:${crypto.randomUUID()}`));
    const send = (w: string) =>
      host.serveBundle(
        new Request("http://app/words", {
          method: "POST",
          body: JSON.stringify({ w }),
          headers: { "content-type": "application/json" },
        }),
        bundle,
      );
    // 2^60 ways to split 60 a's: a backtracking RegExp would not finish in a lifetime.
    const res = await send(`${"a".repeat(60)}!`);
    expect(res.status).toBe(400);
    expect((await res.json<any>()).error.details).toEqual([{ path: "w", message: "must match ^(a+)+$" }]);
    expect((await send("a".repeat(60))).status).toBe(201);
  });
});
