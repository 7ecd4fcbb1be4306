import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** A mistake in how the CLI was called; main.ts prints it with the usage. */
export class ActionFilesError extends Error {}

interface SpecWithActions {
  actions?: { name: string; code?: string }[];
}

/**
 * `--actions dir/`: each action's `code` is the text of `dir/<action name>.js` (the file wins over
 * code already in the spec). An action with neither, or a `.js` file that names no action (a typo),
 * is an error before anything is sent.
 */
export function fillActionCode<T extends SpecWithActions>(spec: T, dir: string): T {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ActionFilesError(`--actions ${dir}: not a directory`);
  const actions = spec.actions ?? [];
  const names = new Set(actions.map((a) => a.name));
  const strays = readdirSync(dir).filter((f) => f.endsWith(".js") && !names.has(f.slice(0, -3)));
  if (strays.length > 0)
    throw new ActionFilesError(
      `--actions ${dir}: ${strays.join(", ")} name(s) no action of the spec (actions: ${[...names].join(", ") || "none"})`,
    );
  const filled = actions.map((action) => {
    const file = join(dir, `${action.name}.js`);
    if (existsSync(file)) return { ...action, code: readFileSync(file, "utf8") };
    if (action.code === undefined)
      throw new ActionFilesError(`--actions ${dir}: no ${action.name}.js for action ${action.name}`);
    return action;
  });
  return { ...spec, ...(spec.actions ? { actions: filled } : {}) };
}
