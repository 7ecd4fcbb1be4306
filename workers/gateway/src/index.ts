import "./env/secrets";
import { CodegenDO } from "@aidevos/codegen";
import { AppControlDO, AppHostDO, AppPlatform, DeployDO } from "@aidevos/deploy";
import { KnowledgeBaseDO, LearningDO } from "@aidevos/learning";
import { AppMonitorDO, MonitoringDO } from "@aidevos/monitoring";
import { PlanningDO } from "@aidevos/planning";
import { RegistryDO } from "@aidevos/registry";
import { RunDO } from "@aidevos/runs";
import { TestingDO } from "@aidevos/testing";
import { MonitorRelay, TrafficBufferDO } from "@aidevos/traffic";
import { createGateway } from "./app";
import { front } from "./apps/origins";
import { recordTail } from "./apps/tail";
import { bare, isBare } from "./bench";

/** What a sandboxed app reaches of the platform (its secrets, its outbound calls): AppHostDO hands it over as a ctx.exports stub. */
/** The Durable Object classes wrangler.toml binds by class name: per run, per app, and global. */
export {
  AppControlDO,
  AppHostDO,
  AppMonitorDO,
  AppPlatform,
  CodegenDO,
  DeployDO,
  KnowledgeBaseDO,
  LearningDO,
  MonitoringDO,
  MonitorRelay,
  PlanningDO,
  RegistryDO,
  RunDO,
  TestingDO,
  TrafficBufferDO,
};

const gateway = createGateway();

export default {
  // The proxy benchmark's baseline (AIDEVOS_BENCH=1 only) is answered before the gateway's router;
  // everything else passes the routing function first (apps/origins.ts).
  fetch: (request, env, ctx) => (isBare(request, env) ? bare(request, env) : front(request, env, ctx, gateway)),
  // Apps shipped to Cloudflare name this Worker their tail consumer: their schedule runs reach their monitors.
  tail: (events, env) => recordTail(events, env),
} satisfies ExportedHandler<Env>;
