export { KnowledgeBaseDO } from "./knowledge-base-do";
export { LearningDO, lessonFromRollback, lessonsFromReview } from "./learning-do";
export { chooseArm, seededRandom } from "./model-updater";
export { SEED_PATTERNS } from "./patterns";
