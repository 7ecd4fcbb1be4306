// Fixtures the models project's tests share: a scripted answer of the loopback Anthropic API, and the
// notes app whose one action (no code) the model is asked to write.
import { env } from "cloudflare:workers";
import { type AppSpec, AppSpec as AppSpecSchema } from "@aidevos/core";
import { describeArchitecture, planTasks } from "@aidevos/llm";
import type { ScriptedResponse } from "../fakes/anthropic-server";

/** One scripted tool answer: what the fake API answers the next call with. */
export const answer = (value: unknown, extra: Partial<ScriptedResponse> = {}): ScriptedResponse => ({
  answer: { answer: value },
  ...extra,
});

/** Notes with a `count` action for the model to write; `extraField` adds a field with a default. */
export function notesSpec(name: string, extraField = false): AppSpec {
  return AppSpecSchema.parse({
    name,
    entities: [
      {
        name: "note",
        plural: "notes",
        fields: {
          text: { type: "string", required: true },
          ...(extraField ? { tag: { type: "string", default: "none" } } : {}),
        },
      },
    ],
    // No code: the model writes it, one call per action.
    actions: [
      {
        name: "count",
        method: "GET",
        path: "/count",
        description: "How many notes there are",
        examples: [{ path: "/count", status: 200, json: { notes: 0 } }],
      },
    ],
  });
}

const baseURL = (env as unknown as { TEST_ANTHROPIC_URL: string }).TEST_ANTHROPIC_URL;

/** One scenario of the fake API (by the API key runs send): script its answers, read what it was sent. */
export function fakeModel(key: string) {
  return {
    async script(responses: ScriptedResponse[]): Promise<void> {
      await fetch(`${baseURL}/__script`, { method: "POST", body: JSON.stringify({ key, responses }) });
    },
    async sent(): Promise<any[]> {
      return (await fetch(`${baseURL}/__requests?key=${key}`)).json();
    },
  };
}

/** Code as a model writes the notes app's one action: plain module text. */
export const COUNT_CODE =
  "export default async (req, ctx) => {\n  const { items } = await ctx.entities.notes.list({ limit: 100 });\n  return { notes: items.length };\n};\n";

/** What a model answers for planning: the spec, then the architecture and tasks for it. */
export function planning(spec: AppSpec): ScriptedResponse[] {
  return [
    answer({ spec, requirements: [], acceptanceCriteria: [] }),
    answer(describeArchitecture(spec)),
    answer(planTasks(spec)),
  ];
}
