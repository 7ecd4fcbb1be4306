// Fixtures the models project's tests share: a scripted answer of the loopback Anthropic API, and the
// notes app whose one action (no code) the model is asked to write.
import { type AppSpec, AppSpec as AppSpecSchema } from "@aidevos/core";
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
