import type { KnowledgeEntry, NewKnowledge } from "@aidevos/core";
import seed from "../seed/knowledge.json";

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

function entry(r: Row): KnowledgeEntry {
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
  };
}

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
  sql.exec(`CREATE TABLE IF NOT EXISTS model_stats (
      stage TEXT NOT NULL, model TEXT NOT NULL, prompt TEXT NOT NULL, runs INTEGER NOT NULL, first_pass INTEGER NOT NULL,
      refine_rounds INTEGER NOT NULL, cost REAL NOT NULL, PRIMARY KEY (stage, model, prompt))`);
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
    const row = this.sql.exec<Row>("SELECT * FROM entries WHERE id = ?", id).toArray()[0];
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

  list(query: { q?: string; stage?: string; retired?: boolean; limit: number }): KnowledgeEntry[] {
    const match = query.q ? ftsQuery(query.q) : null;
    if (query.q && !match) return [];
    const rows = match
      ? this.sql
          .exec<Row>(
            "SELECT e.* FROM entries_fts f JOIN entries e ON e.id = f.id WHERE entries_fts MATCH ? ORDER BY bm25(entries_fts), e.score DESC LIMIT 500",
            match,
          )
          .toArray()
      : this.sql.exec<Row>("SELECT * FROM entries ORDER BY score DESC, updated_at DESC LIMIT 500").toArray();
    return rows
      .map(entry)
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

  /** Outcomes move scores: entries a run was given gain when it passed first time, lose when it needed refining. */
  score(runId: string, passedFirstTime: boolean): void {
    this.sql.exec(
      `UPDATE entries SET score = score + ?, updated_at = ? WHERE id IN (SELECT entry_id FROM retrievals WHERE run_id = ?) AND source = 'learned'`,
      passedFirstTime ? 1 : -0.5,
      Date.now(),
      runId,
    );
  }

  recordModel(stage: string, model: string, prompt: string, refineRounds: number, cost: number): void {
    this.sql.exec(
      `INSERT INTO model_stats (stage, model, prompt, runs, first_pass, refine_rounds, cost) VALUES (?, ?, ?, 1, ?, ?, ?)
       ON CONFLICT (stage, model, prompt) DO UPDATE SET runs = runs + 1, first_pass = first_pass + excluded.first_pass,
         refine_rounds = refine_rounds + excluded.refine_rounds, cost = cost + excluded.cost`,
      stage,
      model,
      prompt,
      Number(refineRounds === 0),
      refineRounds,
      cost,
    );
  }

  modelStats(
    stage: string,
  ): { model: string; prompt: string; runs: number; firstPass: number; refineRounds: number; cost: number }[] {
    return this.sql
      .exec<Row>("SELECT * FROM model_stats WHERE stage = ? ORDER BY model, prompt", stage)
      .toArray()
      .map((r) => ({
        model: String(r.model),
        prompt: String(r.prompt),
        runs: Number(r.runs),
        firstPass: Number(r.first_pass),
        refineRounds: Number(r.refine_rounds),
        cost: Number(r.cost),
      }));
  }
}
