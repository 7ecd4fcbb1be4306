import type { LlmTask } from "../provider";
import { V2 } from "./v2";
import { V3 } from "./v3";

/**
 * Every prompt version, oldest first. A version need not name every task: a task it leaves out is
 * asked with the default version's prompt. The first is the default, the one a run uses unless the
 * model updater chose another for its stage.
 */
const VERSIONS: Record<string, Partial<Record<LlmTask, string>>> = { v2: V2, v3: V3 };
const DEFAULT_VERSION = "v2";

/** "v3", or a task's versioned name ("code.v3", so the refine prompt follows the code prompt's version). */
function versionOf(version: string | undefined): string {
  const short = version?.slice(version.lastIndexOf(".") + 1);
  return short && VERSIONS[short] ? short : DEFAULT_VERSION;
}

/**
 * The prompt of a task in a version (the default when unset, or when that version has no prompt for
 * the task), with the versioned name that says in a run's events and statistics which text was sent.
 */
export function prompt(task: LlmTask, version?: string): { version: string; text: string } {
  const asked = versionOf(version);
  const v = VERSIONS[asked]![task] === undefined ? DEFAULT_VERSION : asked;
  return { version: `${task}.${v}`, text: VERSIONS[v]![task]! };
}

/** The versioned names of a task's prompts (the default first): the prompt arms the model updater chooses among. */
export function promptVersions(task: LlmTask): string[] {
  const names = Object.keys(VERSIONS).filter((v) => VERSIONS[v]![task] !== undefined);
  return [DEFAULT_VERSION, ...names.filter((v) => v !== DEFAULT_VERSION)].map((v) => `${task}.${v}`);
}
