export { fingerprint, KnowledgeBase } from "./knowledge-base";
export { KnowledgeBaseDO } from "./knowledge-base-do";
export { LearningDO, lessonFromRollback, lessonsFrom, lessonsFromReview } from "./learning-do";
export { chooseModel, type ModelChoice, type ModelRecord } from "./model-updater";
