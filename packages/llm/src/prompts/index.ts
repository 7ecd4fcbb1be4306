import type { LlmTask } from "../provider";
import { V2 } from "./v2";
import { V3 } from "./v3";

/**
 * Every prompt version, oldest first. A version need not name every task: a task it leaves out is
 * asked with the base version's prompt.
 */
const VERSIONS: Record<string, Partial<Record<LlmTask, string>>> = { v2: V2, v3: V3 };
/** The version every task has, and the default of a task DEFAULTS does not name. */
const BASE_VERSION = "v2";
/**
 * The default version per task: the one a run uses unless the model updater chose another for its
 * stage, and the updater's first arm. Planning defaults to v3, the only spec prompt that tells the
 * model to declare accounts, owned entities and modules (AppSpec v3), switched after the paired
 * measurement in docs/benchmarks.md ("Planning prompt: spec.v2 against spec.v3").
 */
const DEFAULTS: Partial<Record<LlmTask, string>> = { spec: "v3" };
const defaultOf = (task: LlmTask) => DEFAULTS[task] ?? BASE_VERSION;

/** "v3", or a task's versioned name ("code.v3", so the refine prompt follows the code prompt's version). */
function versionOf(task: LlmTask, version: string | undefined): string {
  const short = version?.slice(version.lastIndexOf(".") + 1);
  return short && VERSIONS[short] ? short : defaultOf(task);
}

/**
 * The prompt of a task in a version (the task's default when unset, the base version's when that
 * version has no prompt for the task), with the versioned name that says in a run's events and
 * statistics which text was sent.
 */
export function prompt(task: LlmTask, version?: string): { version: string; text: string } {
  const asked = versionOf(task, version);
  const v = VERSIONS[asked]![task] === undefined ? BASE_VERSION : asked;
  return { version: `${task}.${v}`, text: VERSIONS[v]![task]! };
}

/** The versioned names of a task's prompts (its default first): the prompt arms the model updater chooses among. */
export function promptVersions(task: LlmTask): string[] {
  const first = defaultOf(task);
  const names = Object.keys(VERSIONS).filter((v) => VERSIONS[v]![task] !== undefined);
  return [first, ...names.filter((v) => v !== first)].map((v) => `${task}.${v}`);
}
