import "./env/secrets";
import { createGateway } from "./app";

export { CodegenDO } from "@aidevos/codegen";
export { AppHostDO, DeployDO } from "@aidevos/deploy";
export { LearningDO } from "@aidevos/learning";
export { MonitoringDO } from "@aidevos/monitoring";
export { PlanningDO } from "@aidevos/planning";
export { RegistryDO } from "@aidevos/registry";
export { RunDO } from "@aidevos/runs";
export { TestingDO } from "@aidevos/testing";

const gateway = createGateway();

export default {
  fetch: (request, env, ctx) => gateway.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
