import type { Action, AppSpec, Module, ReviewFinding, TestReport } from "@aidevos/core";

/** Model calls in flight at once while writing a spec's actions: parallel, but kind to rate limits. */
export const ACTION_CONCURRENCY = 4;

/** `fn` over `items`, at most `limit` at a time, results in input order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * A module the way models often send one, inside Markdown fences (with a language tag, or prose
 * around it): the text between the first fence line and the last fence. Anything else is left as it is.
 * Plain string searches, no regex: the text is a model's and may be long.
 */
export function unfence(text: string): string {
  const open = text.indexOf("```");
  if (open === -1) return text;
  const bodyStart = text.indexOf("\n", open);
  const close = text.lastIndexOf("```");
  if (bodyStart === -1 || close <= bodyStart) return text;
  return `${text.slice(bodyStart + 1, close).trimEnd()}\n`;
}

/** The actions of a spec a model writes code for: those the spec (the user, or the live app) gave none. */
export function actionsToWrite(spec: AppSpec): Action[] {
  return (spec.actions ?? []).filter((a) => a.code === undefined);
}

/** The modules of a spec a model writes code for: those declared without code (v3 `modules`). */
export function modulesToWrite(spec: AppSpec): Module[] {
  return (spec.modules ?? []).filter((m) => m.code === undefined);
}

/** The spec with code filled in for the named modules. */
export function withModuleCode(spec: AppSpec, code: Record<string, string>): AppSpec {
  if (!spec.modules) return spec;
  return { ...spec, modules: spec.modules.map((m) => (code[m.name] === undefined ? m : { ...m, code: code[m.name] })) };
}

/** The actions whose code, or whose description, names `./<module>.js` or the module: who a module is for. */
export function importersOf(spec: AppSpec, module: string) {
  const named = (text: string | undefined) => (text ?? "").includes(`./${module}.js`) || (text ?? "").includes(module);
  return (spec.actions ?? [])
    .filter((a) => named(a.code) || named(a.description))
    .map(({ name, method, path, description }) => ({ name, method, path, description }));
}

/**
 * The modules `code` imports, directly or through other modules, in the spec's order. The spec's
 * validation has already allowed only `./<module>.js` imports of its own modules, so the names suffice.
 */
export function importedModules(spec: AppSpec, code: string | undefined): Module[] {
  const modules = spec.modules ?? [];
  const seen = new Set<string>();
  const visit = (text: string | undefined) => {
    for (const m of modules)
      if (!seen.has(m.name) && (text ?? "").includes(`./${m.name}.js`)) {
        seen.add(m.name);
        visit(m.code);
      }
  };
  visit(code);
  return modules.filter((m) => seen.has(m.name));
}

/**
 * The app as an action's code call sees it: entities, counters and every route, without the other
 * actions' code (each call stays small, and a cut answer is one action's, not the app's).
 */
export function appOutline(spec: AppSpec) {
  const { examples: _examples, actions, ...rest } = spec;
  return {
    ...rest,
    actions: (actions ?? []).map(({ name, method, path, description }) => ({ name, method, path, description })),
  };
}

/** The spec with code filled in for the named actions. */
export function withCode(spec: AppSpec, code: Record<string, string>): AppSpec {
  if (!spec.actions) return spec;
  return { ...spec, actions: spec.actions.map((a) => (code[a.name] === undefined ? a : { ...a, code: code[a.name] })) };
}

/**
 * The actions a round's failures point at: an examples case is named after the action that owns it,
 * an integration case after `action <name>`, a security case after the route, a 500 from an action's
 * code says `action <name> failed`, and a review finding names the file `actions/<name>.js`.
 */
export function failingActions(spec: AppSpec, failures: TestReport[], findings: ReviewFinding[]): Set<string> {
  const failing = new Set<string>();
  const texts = failures.flatMap((r) => [
    ...r.cases.filter((c) => !c.ok).map((c) => `${c.name}\n${c.message ?? ""}`),
    ...(r.error ? [r.error] : []),
  ]);
  for (const a of spec.actions ?? []) {
    const named = (t: string) =>
      t.startsWith(`${a.name} example `) ||
      t.startsWith(`action ${a.name} `) ||
      t.startsWith(`action ${a.name}:`) ||
      t.includes(`${a.method} ${a.path}`) ||
      t.includes(`action ${a.name} failed`) ||
      t.includes(`actions/${a.name}.js`);
    if (texts.some(named) || findings.some((f) => f.file === `actions/${a.name}.js`)) failing.add(a.name);
  }
  return failing;
}
