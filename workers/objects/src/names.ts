import type { StageName } from "@aidevos/core";
import type { StageEndpoint, StageInput } from "@aidevos/pipeline";

/**
 * The directory of the Worker's Durable Objects: the only place that spells an instance name.
 * Each helper returns a stub typed to the one role that instance plays, so a caller cannot ask a
 * run's stage for a knowledge entry or an app's monitor for a deploy. The types come from the
 * Worker's generated `Env` (wrangler.toml is the wiring), which is why this module lives with the
 * workers and not in packages/.
 */

/** The one Registry: apps, versions, history and the run index. */
export function registryOf(env: Env) {
  return env.REGISTRY.get(env.REGISTRY.idFromName("global"));
}

/** The control object of one app: its deploy lock, live pointer pushes, rollbacks and promotions. */
export function appControlOf(env: Env, app: string) {
  return env.APP_CONTROL.get(env.APP_CONTROL.idFromName(app));
}

/** The production monitor of one app: metrics, error groups, usage, feed and the automatic loops. */
export function appMonitorOf(env: Env, app: string) {
  return env.APP_MONITOR.get(env.APP_MONITOR.idFromName(app));
}

/** Traffic buffer shards: a handful of always-live objects instead of a live monitor per served app. */
const TRAFFIC_SHARDS = 16;

/** A hash of a name that is the same in every isolate and run (FNV-1a, 32 bits). */
export function stableHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The buffer shard that holds one app's served requests until its monitor's periodic hand-off. */
export function trafficBufferOf(env: Env, app: string) {
  return trafficShard(env, stableHash(app) % TRAFFIC_SHARDS);
}

/** Every traffic buffer shard (what the live benchmark asks how often monitors are woken). */
export function trafficBuffers(env: Env) {
  return Array.from({ length: TRAFFIC_SHARDS }, (_, shard) => trafficShard(env, shard));
}

function trafficShard(env: Env, shard: number) {
  return env.TRAFFIC_BUFFER.get(env.TRAFFIC_BUFFER.idFromName(`shard:${shard}`));
}

/** The host of one partition: the whole app, or one key of a perKey app. */
export function appHostOf(env: Env, app: string, key?: string) {
  return env.APP_HOST.get(env.APP_HOST.idFromName(key === undefined ? app : `${app}/k/${key}`));
}

/**
 * A throw-away host for one testing round of a run; its data is discarded after the tests. A suite
 * that needs storage of its own (the examples start empty) names itself, and a perKey partition its key.
 */
export function stagingHostOf(env: Env, runId: string, round: number, own?: { suite: string; key?: string | null }) {
  const base = `staging:${runId}:${round}`;
  if (!own) return env.APP_HOST.get(env.APP_HOST.idFromName(base));
  const suite = `${base}:${own.suite}`;
  return env.APP_HOST.get(env.APP_HOST.idFromName(own.key == null ? suite : `${suite}/k/${own.key}`));
}

/** The one knowledge base: seeded practices, learned lessons, people's entries and model statistics. */
export function knowledgeBaseOf(env: Env) {
  return env.KNOWLEDGE.get(env.KNOWLEDGE.idFromName("global"));
}

/** The ledger of one run by its id (the Durable Object id as hex). Null for ids that cannot be runs. */
export function runOf(env: Env, id: string) {
  if (!/^[0-9a-f]{64}$/.test(id)) return null;
  try {
    return env.RUNS.get(env.RUNS.idFromString(id));
  } catch {
    return null;
  }
}

/** A fresh run. */
export function newRunOf(env: Env) {
  const id = env.RUNS.newUniqueId();
  return { id: id.toString(), run: env.RUNS.get(id) };
}

/** The run an Idempotency-Key names: the same key always reaches the same run. */
export function idempotentRunOf(env: Env, key: string) {
  const id = env.RUNS.idFromName(`idempotency:${key}`);
  return { id: id.toString(), run: env.RUNS.get(id) };
}

type StageEndpoints = { [S in StageName]: (runId: string) => StageEndpoint<StageInput<S>> };

/** The instance of a stage that works for one run (named after the run), as the run sees it. */
export function stageOf<S extends StageName>(env: Env, stage: S, runId: string): StageEndpoint<StageInput<S>> {
  const endpoints: StageEndpoints = {
    planning: (run) => env.PLANNING.get(env.PLANNING.idFromName(run)),
    codegen: (run) => env.CODEGEN.get(env.CODEGEN.idFromName(run)),
    testing: (run) => env.TESTING.get(env.TESTING.idFromName(run)),
    deploy: (run) => env.DEPLOY.get(env.DEPLOY.idFromName(run)),
    monitoring: (run) => env.MONITORING.get(env.MONITORING.idFromName(run)),
    learning: (run) => env.LEARNING.get(env.LEARNING.idFromName(run)),
  };
  return endpoints[stage](runId);
}

/**
 * Where an app's monitor lived before AppMonitorDO: a MonitoringDO instance named `app:<name>`.
 * Only AppMonitorDO reads it, once, to copy the records over.
 */
export function legacyAppMonitorOf(env: Env, app: string) {
  return env.MONITORING.get(env.MONITORING.idFromName(`app:${app}`));
}

/** Where the knowledge base lived before KnowledgeBaseDO: the LearningDO instance `knowledge`. */
export function legacyKnowledgeOf(env: Env) {
  return env.LEARNING.get(env.LEARNING.idFromName("knowledge"));
}
