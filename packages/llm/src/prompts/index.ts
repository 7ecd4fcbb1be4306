import type { LlmTask } from "../provider";
import { V2 } from "./v2";

const PROMPT_VERSION = "v2";

/** The prompt of a task, with the version that names it in a run's events. */
export function prompt(task: LlmTask): { version: string; text: string } {
  return { version: `${task}.${PROMPT_VERSION}`, text: V2[task] };
}
