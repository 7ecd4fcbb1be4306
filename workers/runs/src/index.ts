export { RunDO } from "./run-do";
