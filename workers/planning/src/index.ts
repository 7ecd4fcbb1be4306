export { PlanningDO } from "./planning-do";
