// Proves the OpenAPI document passes a standard linter: Redocly's `recommended` ruleset reports zero
// errors on the document the gateway serves (built here in Node from the same route definitions; the
// workers test test/gateway/openapi.test.ts checks the gateway serves exactly this document).
import { BaseResolver, createConfig, type Document, lintDocument, type NormalizedProblem } from "@redocly/openapi-core";
import { expect, it } from "vitest";
import { apiDocument } from "../../workers/gateway/src/openapi-document";

const where = (p: NormalizedProblem) => `${p.ruleId} ${p.location[0]?.pointer ?? ""}: ${p.message}`;

it("has zero errors under Redocly's recommended ruleset", async () => {
  const parsed = apiDocument("http://127.0.0.1:8787");
  const config = await createConfig({ extends: ["recommended"] });
  const document: Document = {
    source: { absoluteRef: "openapi.json", body: JSON.stringify(parsed) } as Document["source"],
    parsed,
  };
  const problems = await lintDocument({ document, config, externalRefResolver: new BaseResolver() });
  const warnings = problems.filter((p) => p.severity === "warn").map(where);
  // Warnings are allowed; they are printed so they stay visible.
  if (warnings.length > 0) console.info(`OpenAPI lint: ${warnings.length} warnings\n${warnings.join("\n")}`);
  expect(problems.filter((p) => p.severity === "error").map(where)).toEqual([]);
});
