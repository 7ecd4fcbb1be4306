export { LearningDO } from "./learning-do";
