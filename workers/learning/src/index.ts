export { fingerprint, KnowledgeBase } from "./knowledge-base";
export { knowledgeOf, LearningDO, lessonFromRollback, lessonsFrom, lessonsFromReview } from "./learning-do";
export { chooseModel, type ModelChoice, type ModelRecord } from "./model-updater";
