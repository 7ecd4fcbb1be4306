import { AppSpec } from "@aidevos/core";
import { contentWords } from "./pattern-match";

/**
 * What a learned pattern keeps of an app: its shape (entities, fields, routes, examples), never its
 * code. An action's code and the spec's shared modules belong to the app they were written for;
 * copied into another app they would run there as they were. Only seeded patterns (reviewed, in this
 * repository) bring code.
 */
export function learnedSpec(spec: Record<string, unknown>): Record<string, unknown> {
  const { modules: _modules, ...rest } = spec;
  const actions = spec.actions as Record<string, unknown>[] | undefined;
  return actions ? { ...rest, actions: actions.map(({ code: _code, ...a }) => a) } : rest;
}

/**
 * What makes two apps the same pattern: the spec as the schema reads it without its name, wording,
 * examples and code — entities, fields, routes and the rest of its structure. Null for a spec this
 * version cannot read (it needs later AppSpec parts).
 */
export function shapeOf(spec: Record<string, unknown>): string | null {
  const parsed = AppSpec.safeParse(learnedSpec(spec));
  if (!parsed.success) return null;
  const { name: _name, description: _description, examples: _examples, ...shape } = parsed.data;
  return JSON.stringify({
    ...shape,
    actions: (shape.actions ?? []).map(({ description: _d, examples: _e, ...a }) => a),
  });
}

/** The pattern's name as a person would say it: the spec's description (or the request), one sentence, capitalised. */
export function patternTitle(request: string, spec: AppSpec): string {
  const text = (spec.description ?? request).replace(/\s+/g, " ").trim();
  const sentence = (text.split(/(?<=[.!?])\s/)[0] ?? text).replace(/[.!?]+$/, "");
  const short = sentence.length > 80 ? `${sentence.slice(0, 80).replace(/\s+\S*$/, "")}…` : sentence;
  return short.charAt(0).toUpperCase() + short.slice(1);
}

/**
 * Why an app is no pattern for others, or null when it may be one: its description and request
 * must say what it is in at least three words that mean something (not "t" or "same"), and it must
 * have things (entities with fields) named by words.
 */
export function notAPattern(request: string, spec: AppSpec): string | null {
  const words = contentWords(`${spec.description ?? ""} ${request}`).filter((w) => w.length >= 4 && /^[a-z]+$/.test(w));
  if (words.length < 3)
    return "its description and request do not say what it is (fewer than three words that mean something)";
  if (spec.entities.length === 0) return "it has no entities";
  const unnamed = spec.entities.find((e) => !/^[a-z]{3,}$/i.test(e.name) || Object.keys(e.fields).length === 0);
  if (unnamed) return `its entity "${unnamed.name}" is not a word with fields`;
  return null;
}
