import type { AppSpecInput } from "@aidevos/core";

/**
 * The product entity the files tests serve: a title, tags, a small typed `photo` file field (10 bytes,
 * image/png or text/*; `photo` overrides its settings, null leaves it out) and an untyped `doc`.
 */
export function product(photo: object | null = {}): NonNullable<AppSpecInput["entities"]>[number] {
  return {
    name: "product",
    plural: "products",
    fields: {
      title: { type: "string", required: true },
      tags: { type: "array", items: { type: "string" } },
      ...(photo ? { photo: { type: "file", maxBytes: 10, contentTypes: ["image/png", "text/*"], ...photo } } : {}),
      doc: { type: "file" },
    },
  };
}
