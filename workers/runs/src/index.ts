export { RunDO, type StartRunInput, type StartRunResult } from "./run-do";
