export { copyTables, dumpTables, type TableDump } from "./handover";
export {
  appControlOf,
  appHostOf,
  appMonitorOf,
  idempotentRunOf,
  knowledgeBaseOf,
  legacyAppMonitorOf,
  legacyKnowledgeOf,
  newRunOf,
  registryOf,
  runOf,
  stageOf,
  stagingHostOf,
} from "./names";
