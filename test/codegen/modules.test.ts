// Proves code generation writes v3 modules like actions: a module the plan declares without code is asked of the
// model once (task code, its own prompt, with the actions meant to import it), before any action, and each action's
// call then sees the module's written code in the app outline; fences are stripped; a module or action the spec gave
// code for is never asked; the compiled bundle holds the module beside the actions. Offline (no model), a module
// without code is refused at POST /v1/runs like an action without code. Refine rounds rewrite a module a model
// wrote through the call of a failing action that imports it (shown its code, free to answer its fix), never a
// module the user gave nor one the call was not shown; a finding on a module's file points at its importers.
import { AppSpec } from "@aidevos/core";
import { modulePrompt, prompt } from "@aidevos/llm";
import { describe, expect, it } from "vitest";
import { CodeGenerator, CodeRefiner, CodeReviewer } from "../../workers/codegen/src/code-generator";
import { api, json } from "../support/api";

type Call = { task: string; action?: string; module?: string; system: string; input: any };

/** A model that answers each code call from a table, and records what it was asked. */
function recordingProvider(answers: Record<string, string | object>) {
  const calls: Call[] = [];
  return {
    calls,
    provider: {
      name: "recording",
      async structured(call: any) {
        calls.push(call);
        const key = call.module ? `module ${call.module}` : `action ${call.action}`;
        const given = answers[call.task === "refine" ? `refine ${call.action}` : key];
        const answer = call.task === "review" ? { findings: [] } : typeof given === "object" ? given : { code: given };
        return {
          value: call.schema.parse(answer),
          usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
          model: "recording",
        };
      },
    },
  };
}

const MONEY = 'export function formatCents(c) {\n  return "$" + (c / 100).toFixed(2);\n}\n';
const GIVEN = "export const GIVEN = 1;\n";

function plan(): AppSpec {
  return AppSpec.parse({
    name: "codegen-modules",
    accounts: {},
    entities: [{ name: "tip", plural: "tips", owner: "user", fields: { amount: { type: "integer", required: true } } }],
    modules: [
      { name: "money", description: "formatCents(cents) → dollars, for the total action" },
      { name: "given", code: GIVEN },
    ],
    actions: [
      { name: "total", method: "GET", path: "/total", description: "the caller's total, formatted with ./money.js" },
      { name: "ping", method: "GET", path: "/ping", code: "export default async () => ({ ok: true });\n" },
    ],
  });
}

describe("code generation of modules", () => {
  it("asks for each module without code first, with its own prompt, and shows it to the actions' calls", async () => {
    const { provider, calls } = recordingProvider({
      "module money": `Here is the module:\n\n\`\`\`js\n${MONEY}\`\`\`\n`,
      "action total":
        'import { formatCents } from "./money.js";\nexport default async (req, ctx) => ({ total: formatCents(150) });\n',
    });
    const built = await new CodeGenerator(provider as never).generate(plan());
    // One call for the module, then one for the action; never for code the spec gave.
    expect(calls.map((c) => c.module ?? c.action)).toEqual(["money", "total"]);
    const [moduleCall, actionCall] = calls as [Call, Call];
    expect(moduleCall.task).toBe("code");
    expect(moduleCall.system).toBe(modulePrompt().text);
    expect(moduleCall.system).not.toBe(prompt("code").text);
    expect(moduleCall.input.module).toMatchObject({
      name: "money",
      description: expect.stringContaining("formatCents"),
    });
    expect(moduleCall.input.importers.map((a: { name: string }) => a.name)).toEqual(["total"]);
    // The action's call sees the module as written (unfenced), and the given module as given.
    expect(actionCall.input.app.modules).toEqual([
      { name: "money", description: expect.any(String), code: MONEY },
      { name: "given", code: GIVEN },
    ]);
    expect(built.spec.modules).toEqual([
      { name: "money", description: expect.any(String), code: MONEY },
      { name: "given", code: GIVEN },
    ]);
    const files = Object.fromEntries(built.bundle.files.map((f) => [f.path, f.content]));
    expect(files["actions/money.js"]).toBe(MONEY);
    expect(files["actions/given.js"]).toBe(GIVEN);
    expect(files["actions/total.js"]).toContain('from "./money.js"');
  });

  it("asks for nothing when every module and action has code", async () => {
    const { provider, calls } = recordingProvider({});
    const given = { ...plan(), modules: [{ name: "money", code: MONEY }], actions: [plan().actions![1]!] };
    await new CodeGenerator(provider as never).generate(AppSpec.parse(given));
    expect(calls).toEqual([]);
  });

  it("names a ctx member the contract lacks in a module a model wrote", async () => {
    const { provider } = recordingProvider({
      "module money": "export const total = (ctx) => ctx.db.sum();\n",
      "action total": "export default async () => ({});\n",
    });
    const built = await new CodeGenerator(provider as never).generate(plan());
    const findings = await new CodeReviewer(provider as never).review(plan(), built, 0);
    expect(findings).toContainEqual(
      expect.objectContaining({ rule: "unknown-ctx-member", file: "actions/money.js", line: 1 }),
    );
  });

  it("offline, refuses a module without code at POST /v1/runs, as an action without code", async () => {
    const res = await api("/v1/runs", {
      method: "POST",
      json: { request: "modules", spec: { ...plan(), name: "offline-modules" } },
    });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details).toEqual([
      { path: "spec.actions.0.code", message: "action total: code is required offline" },
      { path: "spec.modules.0.code", message: "module money: code is required offline" },
    ]);
  });
});

describe("refine rounds and modules", () => {
  const BUGGY = "export function formatCents(c) {\n  return String(c);\n}\n";
  const FIXED = 'export function formatCents(c) {\n  return "$" + (c / 100).toFixed(2);\n}\n';
  const TOTAL =
    'import { formatCents } from "./money.js";\nexport default async () => ({ total: formatCents(150) });\n';
  const OTHER = "export default async () => ({ other: true });\n";
  /** The plan with a second model-written action that imports no module. */
  const planned = () =>
    AppSpec.parse({
      ...plan(),
      actions: [...plan().actions!, { name: "other", method: "GET", path: "/other", description: "answers { other }" }],
    });
  const failed = (name: string) => ({
    kind: "examples" as const,
    ok: false,
    passed: 0,
    failed: 1,
    durationMs: 1,
    cases: [{ name, ok: false, message: 'expected {"total":"$1.50"}', durationMs: 1 }],
  });

  async function previous() {
    const { provider } = recordingProvider({ "module money": BUGGY, "action total": TOTAL, "action other": OTHER });
    return new CodeGenerator(provider as never).generate(planned());
  }

  it("shows a failing action's call the module a model wrote that it imports, and takes the module's fix", async () => {
    const prev = await previous();
    const { provider, calls } = recordingProvider({
      // The action as it was, the module fixed, and a module it was not shown (given): dropped.
      "refine total": {
        code: TOTAL,
        modules: [
          { name: "money", code: FIXED },
          { name: "given", code: "export const GIVEN = 2;\n" },
        ],
      },
    });
    const built = await new CodeRefiner(provider as never).refine({
      plan: planned(),
      previous: prev,
      failures: [failed("total example 1: GET /total")],
      findings: [],
      round: 1,
      knowledge: [],
    });
    // Only the failing action was asked; its call carried the module it imports that a model wrote.
    expect(calls.map((c) => `${c.task} ${c.action}`)).toEqual(["refine total"]);
    expect(calls[0]!.input.modules).toEqual([{ name: "money", description: expect.any(String), code: BUGGY }]);
    expect(calls[0]!.system).toContain("<input>.modules");
    expect(built.rewritten).toEqual([]);
    expect(built.rewrittenModules).toEqual(["money"]);
    expect(built.spec.modules).toEqual([
      { name: "money", description: expect.any(String), code: FIXED },
      { name: "given", code: GIVEN },
    ]);
    const files = Object.fromEntries(built.bundle.files.map((f) => [f.path, f.content]));
    expect(files["actions/money.js"]).toBe(FIXED);
    expect(files["actions/total.js"]).toBe(TOTAL);
    expect(files["actions/other.js"]).toBe(OTHER);
  });

  it("points a finding on a module's file at the actions a model wrote that import it, finding included", async () => {
    const prev = await previous();
    const finding = {
      severity: "error" as const,
      rule: "wrong-format",
      file: "actions/money.js",
      line: 2,
      message: "formatCents answers cents, not dollars",
    };
    const { provider, calls } = recordingProvider({
      "refine total": { code: TOTAL, modules: [{ name: "money", code: FIXED }] },
    });
    const built = await new CodeRefiner(provider as never).refine({
      plan: planned(),
      previous: prev,
      failures: [],
      findings: [finding],
      round: 1,
      knowledge: [],
    });
    // Not every action a model wrote: only the importer, shown the finding on the module.
    expect(calls.map((c) => c.action)).toEqual(["total"]);
    expect(calls[0]!.input.findings).toEqual([finding]);
    expect(built.rewrittenModules).toEqual(["money"]);
  });

  it("stalls when neither the action nor its module changed", async () => {
    const prev = await previous();
    const { provider } = recordingProvider({
      "refine total": { code: TOTAL, modules: [{ name: "money", code: BUGGY }] },
    });
    await expect(
      new CodeRefiner(provider as never).refine({
        plan: planned(),
        previous: prev,
        failures: [failed("total example 1: GET /total")],
        findings: [],
        round: 1,
        knowledge: [],
      }),
    ).rejects.toThrow(/the refiner answered with the same code for total/);
  });
});
