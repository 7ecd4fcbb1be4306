import type { LlmTask } from "../provider";
import { V1 } from "./v1";

const PROMPT_VERSION = "v1";

/** The prompt of a task, with the version that names it in a run's events. */
export function prompt(task: LlmTask): { version: string; text: string } {
  return { version: `${task}.${PROMPT_VERSION}`, text: V1[task] };
}
