import { BaseResolver, createConfig, type Document, lintDocument, type NormalizedProblem } from "@redocly/openapi-core";

const where = (p: NormalizedProblem) => `${p.ruleId} ${p.location[0]?.pointer ?? ""}: ${p.message}`;

/** Redocly's `recommended` problems with an OpenAPI document, errors and warnings apart. */
export async function lint(parsed: object): Promise<{ errors: string[]; warnings: string[] }> {
  const config = await createConfig({ extends: ["recommended"] });
  const document: Document = {
    source: { absoluteRef: "openapi.json", body: JSON.stringify(parsed) } as Document["source"],
    parsed,
  };
  const problems = await lintDocument({ document, config, externalRefResolver: new BaseResolver() });
  return {
    errors: problems.filter((p) => p.severity === "error").map(where),
    warnings: problems.filter((p) => p.severity === "warn").map(where),
  };
}
