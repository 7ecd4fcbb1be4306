import type { AppPattern, AppSpec, KnowledgeEntry, ModelStat, NewKnowledge } from "@aidevos/core";
import seed from "../seed/knowledge.json";
import { contentWords, coverage, patternQuery } from "./pattern-match";
import { learnedSpec, notAPattern, patternTitle, shapeOf } from "./pattern-shape";
import { SEED_PATTERNS } from "./patterns";

type Row = Record<string, SqlStorageValue>;

/** What identifies an entry for dedupe: its words, lower-cased, without numbers, ids or punctuation. */
function fingerprint(text: string): string {
  return text
    .toLowerCase()
    .replace(/[0-9a-f]{8}-[0-9a-f-]{27,}/g, "")
    .replace(/\d+/g, "#")
    .replace(/[^a-z#]+/g, " ")
    .trim()
    .slice(0, 300);
}

/** An FTS5 query that matches any of the words, so free text can never be a syntax error. */
function ftsQuery(text: string): string | null {
  const words = [...new Set(text.toLowerCase().match(/[a-z]{3,}/g) ?? [])].slice(0, 24);
  return words.length ? words.map((w) => `"${w}"`).join(" OR ") : null;
}

/** An entry's columns with its app pattern's, when it has one. */
const ENTRY_COLUMNS =
  "e.*, p.name AS app_name, p.request AS app_request, p.spec AS app_spec, p.needs AS app_needs, p.production AS app_production";
const WITH_PATTERN = "LEFT JOIN patterns p ON p.entry_id = e.id";

function appOf(r: Row): AppPattern | undefined {
  if (r.app_spec === null || r.app_spec === undefined) return undefined;
  const spec = JSON.parse(String(r.app_spec));
  return {
    name: String(r.app_name),
    request: String(r.app_request),
    // A learned pattern stored before patterns were shapes only still never hands its code on.
    spec: r.source === "learned" ? learnedSpec(spec) : spec,
    needs: JSON.parse(String(r.app_needs)),
    production: JSON.parse(String(r.app_production)),
  };
}

function entry(r: Row): KnowledgeEntry {
  const app = appOf(r);
  return {
    id: String(r.id),
    kind: r.kind as KnowledgeEntry["kind"],
    title: String(r.title),
    body: String(r.body),
    source: r.source as KnowledgeEntry["source"],
    stage: r.stage === null ? null : String(r.stage),
    evidence: JSON.parse(String(r.evidence)),
    score: Number(r.score),
    uses: Number(r.uses),
    retired: r.retired === 1,
    createdAt: new Date(Number(r.created_at)).toISOString(),
    updatedAt: new Date(Number(r.updated_at)).toISOString(),
    ...(app ? { app } : {}),
  };
}

/** Words that find a learned app: its entities, fields and actions. */
function keywordsOf(spec: AppSpec): string[] {
  return [
    ...spec.entities.flatMap((e) => [e.name, e.plural, ...Object.keys(e.fields)]),
    ...(spec.actions ?? []).map((a) => a.name),
    ...(spec.counters ?? []).map((c) => c.name),
  ].slice(0, 40);
}

/** A new app pattern: the text that finds it and the app it describes. */
interface NewPattern {
  title: string;
  body: string;
  request: string;
  spec: Record<string, unknown>;
  needs: string[];
  evidence: string[];
}

/** The searchable text of a pattern: what it does, its keywords and its routes. */
function patternBody(summary: string, request: string, keywords: string[], spec: Record<string, unknown>): string {
  const entities = (spec.entities as { plural: string }[] | undefined) ?? [];
  const actions = (spec.actions as { method: string; path: string; description?: string }[] | undefined) ?? [];
  const routes = actions.map((a) => `${a.method} ${a.path}${a.description ? ` (${a.description})` : ""}`);
  return [
    summary,
    `Asked as: "${request.slice(0, 300)}".`,
    keywords.length ? `Keywords: ${keywords.join(", ")}.` : "",
    entities.length ? `Entities: ${entities.map((e) => e.plural).join(", ")}.` : "",
    routes.length ? `Actions: ${routes.join("; ")}.` : "",
  ]
    .filter(Boolean)
    .join(" ")
    .slice(0, 4000);
}

/** How long a run's chosen arms wait for its outcome. */
const ARMS_KEPT_MS = 7 * 24 * 3600_000;

/** The tables of the knowledge base, in the order a copy of them is loaded. */
export const KNOWLEDGE_TABLES = ["entries", "entries_fts", "retrievals", "model_stats"] as const;

/** Creates the knowledge base's tables (empty: seeding is the KnowledgeBase's first start). */
export function createKnowledgeTables(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS entries (
      id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL, source TEXT NOT NULL,
      stage TEXT, evidence TEXT NOT NULL, score REAL NOT NULL DEFAULT 0, uses INTEGER NOT NULL DEFAULT 0,
      retired INTEGER NOT NULL DEFAULT 0, fingerprint TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)`);
  sql.exec("CREATE VIRTUAL TABLE IF NOT EXISTS entries_fts USING fts5(id UNINDEXED, title, body)");
  sql.exec(
    "CREATE TABLE IF NOT EXISTS retrievals (run_id TEXT NOT NULL, entry_id TEXT NOT NULL, PRIMARY KEY (run_id, entry_id))",
  );
  // App patterns: the spec of an app known to work, beside its entry (kind `pattern`).
  sql.exec(`CREATE TABLE IF NOT EXISTS patterns (
      entry_id TEXT PRIMARY KEY, name TEXT NOT NULL, request TEXT NOT NULL, spec TEXT NOT NULL,
      needs TEXT NOT NULL DEFAULT '[]', production TEXT NOT NULL DEFAULT '[]', shape TEXT)`);
  sql.exec("CREATE INDEX IF NOT EXISTS patterns_shape ON patterns (shape)");
  sql.exec("CREATE INDEX IF NOT EXISTS patterns_name ON patterns (name)");
  // Deployed apps on probation: each becomes a pattern only if it is still healthy, with real
  // traffic, when it is due (AIDEVOS_PATTERN_PROBATION_HOURS after its deploy).
  sql.exec(`CREATE TABLE IF NOT EXISTS pattern_candidates (
      run_id TEXT PRIMARY KEY, app TEXT NOT NULL, version INTEGER NOT NULL, request TEXT NOT NULL, spec TEXT NOT NULL,
      due_at INTEGER NOT NULL, created_at INTEGER NOT NULL)`);
  sql.exec("CREATE TABLE IF NOT EXISTS kb_marks (mark TEXT PRIMARY KEY)");
  sql.exec(`CREATE TABLE IF NOT EXISTS model_stats (
      stage TEXT NOT NULL, model TEXT NOT NULL, prompt TEXT NOT NULL, runs INTEGER NOT NULL, first_pass INTEGER NOT NULL,
      refine_rounds INTEGER NOT NULL, cost REAL NOT NULL, failed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (stage, model, prompt))`);
  // The arm (model and prompt version) the model updater chose for each stage of a run, until the
  // run's outcome is learned and credited to it (or, for a run that never reached learning, a week).
  sql.exec(`CREATE TABLE IF NOT EXISTS run_arms (
      run_id TEXT NOT NULL, stage TEXT NOT NULL, model TEXT NOT NULL, prompt TEXT NOT NULL, reason TEXT NOT NULL,
      at INTEGER NOT NULL, PRIMARY KEY (run_id, stage))`);
  // Failed runs are counted since learning ran for them too: a table from before gains the column.
  const columns = sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('model_stats')").toArray();
  if (!columns.some((c) => c.name === "failed"))
    sql.exec("ALTER TABLE model_stats ADD COLUMN failed INTEGER NOT NULL DEFAULT 0");
}

/**
 * The knowledge base: best practices and patterns shipped in the repo, lessons learned from runs,
 * and entries people add. Full-text search (SQLite FTS5) finds what is relevant to a request;
 * scores move with outcomes, and retired entries are kept but never retrieved.
 */
export class KnowledgeBase {
  constructor(private readonly sql: SqlStorage) {
    createKnowledgeTables(sql);
    const seeded = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM entries WHERE source = 'seed'").one().n > 0;
    if (!seeded) for (const s of seed as NewKnowledge[]) this.add({ ...s, evidence: ["shipped with AIDevOS"] }, "seed");
    // Patterns came after the first seed: a knowledge base seeded before them gets them once.
    const patterns = sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM patterns p JOIN entries e ON e.id = p.entry_id WHERE e.source = 'seed'",
      )
      .one().n;
    // Patterns learned before probation (every deploy, its code with it) never proved themselves:
    // retired once, kept for the record.
    if (sql.exec("SELECT 1 FROM kb_marks WHERE mark = 'learned-on-probation'").toArray().length === 0) {
      sql.exec(
        "UPDATE entries SET retired = 1, updated_at = ? WHERE source = 'learned' AND kind = 'pattern' AND retired = 0",
        Date.now(),
      );
      sql.exec("INSERT INTO kb_marks (mark) VALUES ('learned-on-probation')");
    }
    // Shapes as this version reads them, so an app repeating a pattern stored earlier is found.
    for (const row of sql.exec<Row>("SELECT entry_id, spec FROM patterns").toArray())
      sql.exec("UPDATE patterns SET shape = ? WHERE entry_id = ?", shapeOf(JSON.parse(String(row.spec))), row.entry_id);
    if (patterns === 0) {
      for (const p of SEED_PATTERNS) {
        const spec = p.spec as unknown as Record<string, unknown>;
        const body = patternBody(p.summary, p.request, p.keywords, spec);
        this.addPattern(
          {
            title: `App pattern: ${p.title}`,
            body,
            request: p.request,
            spec,
            needs: p.needs,
            evidence: ["shipped with AIDevOS"],
          },
          "seed",
        );
      }
    }
  }

  /**
   * Adds an app pattern, or, for a title it already has, replaces its spec and request (the latest
   * app that works is the one to copy) and keeps the evidence.
   */
  addPattern(input: NewPattern, source: KnowledgeEntry["source"]): KnowledgeEntry {
    const { entry: added } = this.add(
      { kind: "pattern", stage: "planning", title: input.title, body: input.body, evidence: input.evidence },
      source,
    );
    this.sql.exec(
      `INSERT INTO patterns (entry_id, name, request, spec, needs, shape) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (entry_id) DO UPDATE SET name = excluded.name, request = excluded.request, spec = excluded.spec,
         needs = excluded.needs, shape = excluded.shape`,
      added.id,
      String(input.spec.name),
      input.request.slice(0, 2000),
      JSON.stringify(input.spec),
      JSON.stringify(input.needs),
      shapeOf(input.spec),
    );
    return this.get(added.id)!;
  }

  /**
   * A deployed app that may become a pattern: on probation until `dueAt`, or refused now when it
   * says too little to be one (junk: "t", "same"; see notAPattern).
   */
  proposeApp(
    input: { runId: string; request: string; spec: AppSpec; version: number },
    dueAt: number,
  ): { proposed: true } | { proposed: false; why: string } {
    const why = notAPattern(input.request, input.spec);
    if (why) return { proposed: false, why };
    this.sql.exec(
      `INSERT OR IGNORE INTO pattern_candidates (run_id, app, version, request, spec, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      input.runId,
      input.spec.name,
      input.version,
      input.request.slice(0, 2000),
      JSON.stringify(input.spec),
      dueAt,
      Date.now(),
    );
    return { proposed: true };
  }

  /** Candidates due by `now`, oldest first. */
  dueCandidates(now: number): { runId: string; app: string; version: number; request: string; spec: AppSpec }[] {
    return this.sql
      .exec<Row>("SELECT * FROM pattern_candidates WHERE due_at <= ? ORDER BY due_at LIMIT 50", now)
      .toArray()
      .map((r) => ({
        runId: String(r.run_id),
        app: String(r.app),
        version: Number(r.version),
        request: String(r.request),
        spec: JSON.parse(String(r.spec)) as AppSpec,
      }));
  }

  /** When the next candidate is due, or null. */
  nextCandidateDue(): number | null {
    const row = this.sql.exec<Row>("SELECT MIN(due_at) AS due FROM pattern_candidates").one();
    return row.due === null ? null : Number(row.due);
  }

  dropCandidate(runId: string): void {
    this.sql.exec("DELETE FROM pattern_candidates WHERE run_id = ?", runId);
  }

  /**
   * An app that stayed healthy through its probation becomes a pattern — its shape only (entities,
   * fields, routes, examples; learnedSpec), under a name from its description — or, when a pattern
   * already has its shape (the same app under another name or wording), more evidence for that one.
   * Either way its production record says how this version fared.
   */
  learnApp(input: { runId: string; request: string; spec: AppSpec; version: number; proof: string }): {
    entry: KnowledgeEntry;
    created: boolean;
  } {
    const spec = learnedSpec(input.spec as unknown as Record<string, unknown>);
    const note = `${input.spec.name} v${input.version} ${input.proof} (run ${input.runId})`;
    const shape = shapeOf(spec);
    const same = shape
      ? this.sql.exec<Row>("SELECT entry_id FROM patterns WHERE shape = ? LIMIT 1", shape).toArray()[0]
      : undefined;
    if (same) {
      const id = String(same.entry_id);
      const current = this.get(id)!;
      const evidence = [...new Set([...current.evidence, `run ${input.runId}`])].slice(-20);
      this.sql.exec(
        "UPDATE entries SET evidence = ?, updated_at = ? WHERE id = ?",
        JSON.stringify(evidence),
        Date.now(),
        id,
      );
      this.noteProduction(id, note);
      return { entry: this.get(id)!, created: false };
    }
    const summary = input.spec.description ?? input.request.slice(0, 300);
    const entry = this.addPattern(
      {
        title: `App pattern: ${patternTitle(input.request, input.spec)}`,
        body: patternBody(summary, input.request, keywordsOf(input.spec), spec),
        request: input.request,
        spec,
        needs: [],
        evidence: [`run ${input.runId}`],
      },
      "learned",
    );
    this.noteProduction(entry.id, note);
    return { entry: this.get(entry.id)!, created: true };
  }

  /**
   * A version of an app was rolled back: it is no candidate any more, its pattern's record says so,
   * and the pattern scores lower.
   */
  noteRollback(app: string, version: number, why: string): void {
    this.sql.exec("DELETE FROM pattern_candidates WHERE app = ? AND version = ?", app, version);
    for (const row of this.sql.exec<Row>("SELECT entry_id FROM patterns WHERE name = ?", app).toArray()) {
      const id = String(row.entry_id);
      this.noteProduction(id, `${app} v${version} rolled back: ${why}`.slice(0, 500));
      this.sql.exec("UPDATE entries SET score = score - 1, updated_at = ? WHERE id = ?", Date.now(), id);
    }
  }

  /** Notes how a pattern's app fared in production (the latest 20 notes). */
  noteProduction(id: string, note: string): void {
    const row = this.sql.exec<Row>("SELECT production FROM patterns WHERE entry_id = ?", id).toArray()[0];
    if (!row) return;
    const production = [...JSON.parse(String(row.production)), note].slice(-20);
    this.sql.exec("UPDATE patterns SET production = ? WHERE entry_id = ?", JSON.stringify(production), id);
  }

  /**
   * App patterns ranked for free text (pattern-match.ts): every live pattern the full-text search
   * finds, scored, best first; when fewer than `least` match at all, the rest follow with score 0
   * so there is always something to offer.
   */
  matchPatterns(text: string, least = 3): { entry: KnowledgeEntry; score: number }[] {
    const words = contentWords(text);
    const query = patternQuery(words);
    const found = query
      ? this.sql
          .exec<Row>(
            `SELECT ${ENTRY_COLUMNS} FROM entries_fts f JOIN entries e ON e.id = f.id JOIN patterns p ON p.entry_id = e.id
             WHERE entries_fts MATCH ? AND e.retired = 0 ORDER BY bm25(entries_fts) LIMIT 50`,
            query,
          )
          .toArray()
          .map(entry)
      : [];
    const ranked = found
      .map((e, rank) => ({ entry: e, score: coverage(words, `${e.title} ${e.body}`), rank }))
      .sort((a, b) => b.score - a.score || a.rank - b.rank)
      .map(({ entry, score }) => ({ entry, score }));
    if (ranked.length >= least) return ranked;
    const others = this.sql
      .exec<Row>(
        `SELECT ${ENTRY_COLUMNS} FROM patterns p JOIN entries e ON e.id = p.entry_id WHERE e.retired = 0 ORDER BY e.score DESC, e.title`,
      )
      .toArray()
      .map(entry)
      .filter((e) => !ranked.some((r) => r.entry.id === e.id))
      .slice(0, least - ranked.length);
    return [...ranked, ...others.map((e) => ({ entry: e, score: 0 }))];
  }

  /** Adds an entry, or returns the one it repeats (same fingerprint) with the new evidence added. */
  add(input: NewKnowledge, source: KnowledgeEntry["source"]): { entry: KnowledgeEntry; created: boolean } {
    const print = fingerprint(`${input.title} ${input.stage ?? ""}`);
    const existing = this.sql.exec<Row>("SELECT * FROM entries WHERE fingerprint = ?", print).toArray()[0];
    if (existing) {
      const evidence = [...new Set([...JSON.parse(String(existing.evidence)), ...input.evidence])].slice(-20);
      this.sql.exec(
        "UPDATE entries SET evidence = ?, updated_at = ? WHERE id = ?",
        JSON.stringify(evidence),
        Date.now(),
        existing.id,
      );
      return { entry: this.get(String(existing.id))!, created: false };
    }
    const id = crypto.randomUUID();
    const now = Date.now();
    this.sql.exec(
      "INSERT INTO entries (id, kind, title, body, source, stage, evidence, fingerprint, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      id,
      input.kind,
      input.title,
      input.body,
      source,
      input.stage,
      JSON.stringify(input.evidence),
      print,
      now,
      now,
    );
    this.sql.exec("INSERT INTO entries_fts (id, title, body) VALUES (?, ?, ?)", id, input.title, input.body);
    return { entry: this.get(id)!, created: true };
  }

  get(id: string): KnowledgeEntry | null {
    const row = this.sql
      .exec<Row>(`SELECT ${ENTRY_COLUMNS} FROM entries e ${WITH_PATTERN} WHERE e.id = ?`, id)
      .toArray()[0];
    return row ? entry(row) : null;
  }

  edit(id: string, patch: Partial<Pick<KnowledgeEntry, "title" | "body" | "stage" | "score">>): KnowledgeEntry | null {
    const current = this.get(id);
    if (!current) return null;
    const next = { ...current, ...patch };
    this.sql.exec(
      "UPDATE entries SET title = ?, body = ?, stage = ?, score = ?, updated_at = ? WHERE id = ?",
      next.title,
      next.body,
      next.stage,
      next.score,
      Date.now(),
      id,
    );
    this.sql.exec("UPDATE entries_fts SET title = ?, body = ? WHERE id = ?", next.title, next.body, id);
    return this.get(id);
  }

  retire(id: string): KnowledgeEntry | null {
    if (!this.get(id)) return null;
    this.sql.exec("UPDATE entries SET retired = 1, updated_at = ? WHERE id = ?", Date.now(), id);
    return this.get(id);
  }

  list(query: {
    q?: string;
    kind?: KnowledgeEntry["kind"];
    stage?: string;
    retired?: boolean;
    limit: number;
  }): KnowledgeEntry[] {
    const match = query.q ? ftsQuery(query.q) : null;
    if (query.q && !match) return [];
    const rows = match
      ? this.sql
          .exec<Row>(
            `SELECT ${ENTRY_COLUMNS} FROM entries_fts f JOIN entries e ON e.id = f.id ${WITH_PATTERN} WHERE entries_fts MATCH ? ORDER BY bm25(entries_fts), e.score DESC LIMIT 500`,
            match,
          )
          .toArray()
      : this.sql
          .exec<Row>(
            `SELECT ${ENTRY_COLUMNS} FROM entries e ${WITH_PATTERN} ORDER BY e.score DESC, e.updated_at DESC LIMIT 500`,
          )
          .toArray();
    return rows
      .map(entry)
      .filter((e) => (query.kind ? e.kind === query.kind : true))
      .filter((e) => (query.stage ? e.stage === query.stage || e.stage === null : true))
      .filter((e) => (query.retired === undefined ? true : e.retired === query.retired))
      .slice(0, query.limit);
  }

  /**
   * The entries a stage gets for a request: relevant by full-text match, best-scored first, within a
   * budget of characters so prompts stay bounded. Remembers what each run was given, for scoring.
   */
  retrieve(runId: string, stage: string, text: string, maxChars = 3000): KnowledgeEntry[] {
    const found = this.list({ q: text, stage, retired: false, limit: 20 }).sort((a, b) => b.score - a.score);
    const chosen: KnowledgeEntry[] = [];
    let used = 0;
    for (const e of found) {
      const size = e.title.length + e.body.length;
      if (used + size > maxChars) continue;
      chosen.push(e);
      used += size;
      this.sql.exec("INSERT OR IGNORE INTO retrievals (run_id, entry_id) VALUES (?, ?)", runId, e.id);
      this.sql.exec("UPDATE entries SET uses = uses + 1 WHERE id = ?", e.id);
    }
    return chosen;
  }

  /** Remembers that a run was given an entry (for scoring by its outcome). */
  noteGiven(runId: string, id: string): void {
    this.sql.exec("INSERT OR IGNORE INTO retrievals (run_id, entry_id) VALUES (?, ?)", runId, id);
    this.sql.exec("UPDATE entries SET uses = uses + 1 WHERE id = ?", id);
  }

  /** Outcomes move scores: entries a run was given gain when it passed first time, lose when it needed refining. */
  score(runId: string, passedFirstTime: boolean): void {
    this.sql.exec(
      `UPDATE entries SET score = score + ?, updated_at = ? WHERE id IN (SELECT entry_id FROM retrievals WHERE run_id = ?) AND source = 'learned'`,
      passedFirstTime ? 1 : -0.5,
      Date.now(),
      runId,
    );
  }

  /** One run's outcome for the model and prompt version that wrote its code on a stage. */
  recordModel(
    stage: string,
    model: string,
    prompt: string,
    outcome: { refineRounds: number; cost: number; failed: boolean },
  ): void {
    this.sql.exec(
      `INSERT INTO model_stats (stage, model, prompt, runs, first_pass, refine_rounds, cost, failed) VALUES (?, ?, ?, 1, ?, ?, ?, ?)
       ON CONFLICT (stage, model, prompt) DO UPDATE SET runs = runs + 1, first_pass = first_pass + excluded.first_pass,
         refine_rounds = refine_rounds + excluded.refine_rounds, cost = cost + excluded.cost, failed = failed + excluded.failed`,
      stage,
      model,
      prompt,
      Number(outcome.refineRounds === 0 && !outcome.failed),
      outcome.refineRounds,
      outcome.cost,
      Number(outcome.failed),
    );
  }

  /** The arm chosen for a stage of a run, if one was. */
  chosenArm(runId: string, stage: string): { model: string; prompt: string; reason: string } | null {
    const row = this.sql
      .exec<Row>("SELECT model, prompt, reason FROM run_arms WHERE run_id = ? AND stage = ?", runId, stage)
      .toArray()[0];
    return row ? { model: String(row.model), prompt: String(row.prompt), reason: String(row.reason) } : null;
  }

  noteArm(runId: string, stage: string, arm: { model: string; prompt: string; reason: string }): void {
    const now = Date.now();
    // A run that failed before learning (in planning, say) never takes its arms: they lapse.
    this.sql.exec("DELETE FROM run_arms WHERE at < ?", now - ARMS_KEPT_MS);
    this.sql.exec(
      "INSERT OR IGNORE INTO run_arms (run_id, stage, model, prompt, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
      runId,
      stage,
      arm.model,
      arm.prompt,
      arm.reason,
      now,
    );
  }

  /** The arms chosen for a run's stages, forgotten as they are returned: its outcome is credited once. */
  takeArms(runId: string): { stage: string; model: string; prompt: string }[] {
    return this.sql
      .exec<Row>("DELETE FROM run_arms WHERE run_id = ? RETURNING stage, model, prompt", runId)
      .toArray()
      .map((r) => ({ stage: String(r.stage), model: String(r.model), prompt: String(r.prompt) }));
  }

  /** The model updater's statistics, per model and prompt version, of one stage or of all. */
  modelStats(stage?: string): ModelStat[] {
    const rows = stage
      ? this.sql.exec<Row>("SELECT * FROM model_stats WHERE stage = ? ORDER BY model, prompt", stage)
      : this.sql.exec<Row>("SELECT * FROM model_stats ORDER BY stage, model, prompt");
    return rows.toArray().map((r) => {
      const runs = Number(r.runs);
      const per = (n: number) => (runs ? Math.round((n / runs) * 10_000) / 10_000 : 0);
      return {
        stage: String(r.stage),
        model: String(r.model),
        prompt: String(r.prompt),
        runs,
        firstPass: Number(r.first_pass),
        failed: Number(r.failed),
        refineRounds: Number(r.refine_rounds),
        cost: Number(r.cost),
        firstPassRate: per(Number(r.first_pass)),
        failureRate: per(Number(r.failed)),
        refineRoundsPerRun: per(Number(r.refine_rounds)),
        costPerRun: per(Number(r.cost)),
      };
    });
  }
}
