import "./env/secrets";
import { createGateway } from "./app";

export { CodegenDO } from "@aidevos/codegen";
export { AppControlDO, AppHostDO, DeployDO } from "@aidevos/deploy";
export { KnowledgeBaseDO, LearningDO } from "@aidevos/learning";
export { AppMonitorDO, MonitoringDO } from "@aidevos/monitoring";
export { PlanningDO } from "@aidevos/planning";
export { RegistryDO } from "@aidevos/registry";
export { RunDO } from "@aidevos/runs";
export { TestingDO } from "@aidevos/testing";

const gateway = createGateway();

export default {
  fetch: (request, env, ctx) => gateway.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
