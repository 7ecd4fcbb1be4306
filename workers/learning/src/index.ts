export { KnowledgeBaseDO } from "./knowledge-base-do";
export { LearningDO, lessonFromRollback, lessonsFromReview } from "./learning-do";
export { chooseModel } from "./model-updater";
export { SEED_PATTERNS } from "./patterns";
