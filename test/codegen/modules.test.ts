// Proves code generation writes v3 modules like actions: a module the plan declares without code is asked of the
// model once (task code, its own prompt, with the actions meant to import it), before any action, and each action's
// call then sees the module's written code in the app outline; fences are stripped; a module or action the spec gave
// code for is never asked; the compiled bundle holds the module beside the actions. Offline (no model), a module
// without code is refused at POST /v1/runs like an action without code.
import { AppSpec } from "@aidevos/core";
import { modulePrompt, prompt } from "@aidevos/llm";
import { describe, expect, it } from "vitest";
import { CodeGenerator, CodeReviewer } from "../../workers/codegen/src/code-generator";
import { api, json } from "../support/api";

type Call = { task: string; action?: string; module?: string; system: string; input: any };

/** A model that answers each code call from a table, and records what it was asked. */
function recordingProvider(answers: Record<string, string>) {
  const calls: Call[] = [];
  return {
    calls,
    provider: {
      name: "recording",
      async structured(call: any) {
        calls.push(call);
        const key = call.module ? `module ${call.module}` : `action ${call.action}`;
        const answer = call.task === "review" ? { findings: [] } : { code: answers[key] };
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
