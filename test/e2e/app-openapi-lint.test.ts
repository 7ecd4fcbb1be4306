// Proves every acceptance case's app has a lint-clean OpenAPI document: Redocly's `recommended`
// ruleset reports zero errors on `appContract(spec)` for each case of ../shared/bench/cases and
// test/acceptance/cases (the gateway serves exactly this function's output: test/apps/openapi.test.ts).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { BaseResolver, createConfig, type Document, lintDocument, type NormalizedProblem } from "@redocly/openapi-core";
import { describe, expect, it } from "vitest";
import { appContract, type ContractSpec } from "../../packages/core/src/contract";

const ROOT = resolve(__dirname, "../..");
const DIRS = [resolve(ROOT, "../shared/bench/cases"), resolve(ROOT, "test/acceptance/cases")];
const cases = DIRS.flatMap((dir) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .map((f) => join(dir, f))
    : [],
);

const where = (p: NormalizedProblem) => `${p.ruleId} ${p.location[0]?.pointer ?? ""}: ${p.message}`;

/** Redocly's problems with a document, errors and warnings apart. */
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

describe("the OpenAPI document of every acceptance case", () => {
  it("finds the cases", () => expect(cases.length).toBeGreaterThanOrEqual(8));
  for (const file of cases) {
    it(`${file.slice(ROOT.length - 4)} lints with zero errors`, async () => {
      const { spec } = JSON.parse(readFileSync(file, "utf8")) as { spec: ContractSpec };
      const base = spec.partition === "perKey" ? `/apps/${spec.name}/k/demo` : `/apps/${spec.name}`;
      const { errors, warnings } = await lint(appContract(spec, { serverUrl: `http://127.0.0.1:8787${base}`, version: 1 }));
      if (warnings.length) console.info(`${spec.name}: ${warnings.length} warnings\n${warnings.join("\n")}`);
      expect(errors).toEqual([]);
    });
  }
});
