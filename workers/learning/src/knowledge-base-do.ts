import { DurableObject } from "cloudflare:workers";
import { type AppPattern, type AppSpec, type KnowledgeEntry, type NewKnowledge, setting } from "@aidevos/core";
import { appMonitorOf, copyTables, legacyKnowledgeOf, registryOf, trafficBufferOf } from "@aidevos/objects";
import { createKnowledgeTables, KnowledgeBase } from "./knowledge-base";
import { type ArmChoice, chooseArm, seededRandom } from "./model-updater";
import { MATCH_THRESHOLD } from "./pattern-match";

/** Set once the entries the earlier knowledge base (LearningDO `knowledge`) held have been copied here. */
const HANDED_OVER = "handed-over";

/**
 * The one knowledge base (knowledgeBaseOf): seeded best practices and patterns, learned lessons,
 * people's entries, and the model statistics the model updater chooses by.
 */
export class KnowledgeBaseDO extends DurableObject<Env> {
  private kb: KnowledgeBase | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      // Copied before the first start seeds anything, so the seed is not laid twice.
      if (!ctx.storage.kv.get(HANDED_OVER)) {
        const dump = await legacyKnowledgeOf(env).handOverKnowledge();
        ctx.storage.transactionSync(() => {
          createKnowledgeTables(ctx.storage.sql);
          copyTables(ctx.storage.sql, dump);
          ctx.storage.kv.put(HANDED_OVER, true);
        });
      }
      this.kb = new KnowledgeBase(ctx.storage.sql);
    });
  }

  private get knowledge(): KnowledgeBase {
    if (!this.kb) throw new Error("the knowledge base has not started");
    return this.kb;
  }

  async list(query: {
    q?: string;
    kind?: KnowledgeEntry["kind"];
    stage?: string;
    retired?: boolean;
    limit: number;
  }): Promise<KnowledgeEntry[]> {
    return this.knowledge.list(query);
  }

  async get(id: string): Promise<KnowledgeEntry | null> {
    return this.knowledge.get(id);
  }

  async add(
    input: NewKnowledge,
    source: "user" | "learned" = "user",
  ): Promise<{ entry: KnowledgeEntry; created: boolean }> {
    return this.knowledge.add(input, source);
  }

  async edit(id: string, patch: Partial<Pick<KnowledgeEntry, "title" | "body" | "stage" | "score">>) {
    return this.knowledge.edit(id, patch);
  }

  async retire(id: string) {
    return this.knowledge.retire(id);
  }

  /**
   * The app patterns closest to free text, best first (at least three), with their scores
   * (pattern-match.ts) and the threshold above which offline runs build the best one.
   */
  async matchPatterns(
    text: string,
  ): Promise<{ threshold: number; matches: { entry: KnowledgeEntry; score: number }[] }> {
    return { threshold: MATCH_THRESHOLD, matches: this.knowledge.matchPatterns(text) };
  }

  /**
   * A deployed app that came through monitoring healthy goes on probation: it becomes a pattern (or
   * evidence for the one it repeats) only if, AIDEVOS_PATTERN_PROBATION_HOURS later, it is still
   * healthy with real traffic (reviewPatternCandidates). Junk is refused at once, saying why.
   */
  async proposeApp(input: {
    runId: string;
    request: string;
    spec: AppSpec;
    version: number;
  }): Promise<{ proposed: true; dueAt: string; minRequests: number } | { proposed: false; why: string }> {
    const dueAt = Date.now() + setting(this.env, "AIDEVOS_PATTERN_PROBATION_HOURS") * 3_600_000;
    const result = this.knowledge.proposeApp(input, dueAt);
    if (!result.proposed) return result;
    await this.armAlarm();
    return {
      proposed: true,
      dueAt: new Date(dueAt).toISOString(),
      minRequests: setting(this.env, "AIDEVOS_PATTERN_MIN_REQUESTS"),
    };
  }

  override async alarm(): Promise<void> {
    await this.reviewPatternCandidates();
  }

  /**
   * Decides every candidate due by `now`: a pattern when its version was never rolled back, is
   * still the app's, had at least AIDEVOS_PATTERN_MIN_REQUESTS real requests (recorded by its
   * monitor: tests and probes are not) and under 1% of them 5xx; dropped otherwise, saying why.
   */
  async reviewPatternCandidates(
    now = Date.now(),
  ): Promise<
    { runId: string; app: string; version: number; outcome: "learned" | "evidence" | "dropped"; why: string }[]
  > {
    const kb = this.knowledge;
    const minRequests = setting(this.env, "AIDEVOS_PATTERN_MIN_REQUESTS");
    const decided = [];
    for (const c of kb.dueCandidates(now)) {
      const verdict = await this.verdict(c.app, c.version, minRequests);
      if (!verdict.ok)
        decided.push({ runId: c.runId, app: c.app, version: c.version, outcome: "dropped" as const, why: verdict.why });
      else {
        const proof = `stayed healthy through its probation: ${verdict.requests} real requests, ${verdict.serverErrors} 5xx, no rollback`;
        const learned = kb.learnApp({ ...c, proof });
        decided.push({
          runId: c.runId,
          app: c.app,
          version: c.version,
          outcome: learned.created ? ("learned" as const) : ("evidence" as const),
          why: learned.entry.title,
        });
      }
      kb.dropCandidate(c.runId);
    }
    await this.armAlarm();
    return decided;
  }

  /** Whether a version proves its pattern: its real traffic, or why not. */
  private async verdict(
    app: string,
    version: number,
    minRequests: number,
  ): Promise<{ ok: true; requests: number; serverErrors: number } | { ok: false; why: string }> {
    const no = (why: string) => ({ ok: false as const, why });
    const detail = await registryOf(this.env).getApp(app);
    if (!detail) return no("the app is gone");
    if (detail.history.some((h) => h.action === "rollback" && h.fromVersion === version))
      return no(`v${version} was rolled back`);
    if (detail.liveVersion !== version) return no(`v${version} is no longer live (v${detail.liveVersion} is)`);
    // Requests held on their way to the monitor count too.
    await trafficBufferOf(this.env, app)
      .handOff(app)
      .catch((err: unknown) => console.warn(`traffic buffer of ${app} unavailable`, String(err)));
    const { requests, serverErrors } = await appMonitorOf(this.env, app).versionTraffic(version);
    if (requests < minRequests) return no(`${requests} real request(s), fewer than ${minRequests}`);
    if (serverErrors / requests >= 0.01) return no(`${serverErrors} of ${requests} requests failed with a 5xx`);
    return { ok: true, requests, serverErrors };
  }

  private async armAlarm(): Promise<void> {
    const due = this.knowledge.nextCandidateDue();
    if (due === null) return;
    const set = await this.ctx.storage.getAlarm();
    if (set === null || set > due) await this.ctx.storage.setAlarm(due);
  }

  /** Monitoring rolled a version back: the app's pattern records it and scores lower. */
  async noteRollback(app: string, version: number, why: string): Promise<void> {
    this.knowledge.noteRollback(app, version, why);
  }

  /**
   * The app patterns closest to a request, as worked examples for the spec prompt: at most `limit`
   * that match at all, each whole spec within a size bound. Remembered as given to the run, so the
   * run's outcome scores them like any retrieved entry.
   */
  async patternExamples(
    runId: string,
    request: string,
    limit = 2,
  ): Promise<{ title: string; score: number; request: string; spec: AppPattern["spec"] }[]> {
    return this.knowledge
      .matchPatterns(request, 0)
      .filter((m) => m.score > 0 && m.entry.app && JSON.stringify(m.entry.app.spec).length <= 8000)
      .slice(0, limit)
      .map((m) => {
        this.knowledge.noteGiven(runId, m.entry.id);
        return { title: m.entry.title, score: m.score, request: m.entry.app!.request, spec: m.entry.app!.spec };
      });
  }

  /** What a stage of a run should know, as prompt lines, bounded in size. */
  async retrieve(runId: string, stage: string, text: string): Promise<{ id: string; line: string }[]> {
    return this.knowledge.retrieve(runId, stage, text).map((e) => ({ id: e.id, line: `${e.title}: ${e.body}` }));
  }

  /**
   * Folds a finished run in: new lessons (deduplicated), scores of what it was given, and its outcome
   * credited to the arm (model and prompt version) the model updater chose for each of its stages, or,
   * when nothing was chosen (a replay, one arm), to the model and prompt version that wrote its code.
   */
  async learn(outcome: {
    runId: string;
    lessons: NewKnowledge[];
    passedFirstTime: boolean;
    model?: string;
    prompt?: string;
    refineRounds: number;
    costUsd: number;
    /** The run failed: it counts against the model and prompt version that wrote its code. */
    failed?: boolean;
  }): Promise<{ entries: KnowledgeEntry[]; created: number; scored: number; explained: string[] }> {
    const kb = this.knowledge;
    const results = outcome.lessons.map((l) => kb.add(l, "learned"));
    const given = kb.list({ limit: 500 }).filter((e) => e.source === "learned" && e.uses > 0).length;
    kb.score(outcome.runId, outcome.passedFirstTime);
    const arms = kb.takeArms(outcome.runId);
    if (outcome.model && !arms.some((a) => a.stage === "codegen"))
      arms.push({ stage: "codegen", model: outcome.model, prompt: outcome.prompt ?? "?" });
    const failed = outcome.failed === true;
    const explained = arms.map((arm) => {
      kb.recordModel(arm.stage, arm.model, arm.prompt, {
        refineRounds: outcome.refineRounds,
        cost: outcome.costUsd,
        failed,
      });
      return `model updater: recorded ${failed ? "a failed run" : "a run"} of ${arm.model} with prompt ${arm.prompt} on ${arm.stage} (${outcome.refineRounds} refine round(s))`;
    });
    return {
      entries: results.map((r) => r.entry),
      created: results.filter((r) => r.created).length,
      scored: given,
      explained,
    };
  }

  /**
   * One run's outcome for a stage's model and prompt version, into the table the model updater
   * chooses by. Learning calls it for every finished run; an operator (or a test) may seed it.
   */
  async record(
    stage: string,
    model: string,
    prompt: string,
    outcome: { refineRounds: number; cost: number; failed: boolean },
  ): Promise<void> {
    this.knowledge.recordModel(stage, model, prompt, outcome);
  }

  /**
   * The model updater's choice for a stage of a run among its arms, the configured models (the
   * default first) each with each prompt version (the default first), by their measured outcome,
   * with exploration seeded by the run's id. Chosen once per run and stage: a later round or a
   * retried attempt gets the same arm, and the run's outcome is credited to it when learned.
   */
  async chooseArm(
    stage: string,
    models: string[],
    prompts: string[],
    runId: string,
  ): Promise<ArmChoice & { kept: boolean }> {
    const kb = this.knowledge;
    const kept = kb.chosenArm(runId, stage);
    if (kept) return { ...kept, kept: true };
    const stats = kb.modelStats(stage).filter((s) => prompts.includes(s.prompt));
    const choice = chooseArm(models, prompts, stats, seededRandom(`${runId}:${stage}`));
    kb.noteArm(runId, stage, choice);
    return { ...choice, kept: false };
  }

  async modelStats(stage?: string) {
    return this.knowledge.modelStats(stage);
  }
}
