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
  stableHash,
  stageOf,
  stagingHostOf,
  trafficBufferOf,
  trafficBuffers,
} from "./names";
