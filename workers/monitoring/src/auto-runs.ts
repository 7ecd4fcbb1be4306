import { type SettingsSource, setting, TERMINAL_RUN_STATUSES } from "@aidevos/core";

type Row = Record<string, SqlStorageValue>;

/**
 * The automatic runs (refine, fix) monitoring started for one app, across all its versions. Traffic
 * anyone can send decides them, so they are held to one at a time and a cooldown per app
 * (AIDEVOS_AUTO_RUN_COOLDOWN_SECONDS) that a new version does not reset: a run that deploys cannot
 * re-arm the loop that started it (issue 27, attack 2).
 */
export class AutoRuns {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(
      "CREATE TABLE IF NOT EXISTS auto_runs (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, run_id TEXT NOT NULL, at INTEGER NOT NULL)",
    );
  }

  record(kind: "refine" | "fix", runId: string, at: number): void {
    this.sql.exec("INSERT INTO auto_runs (kind, run_id, at) VALUES (?, ?, ?)", kind, runId, at);
    // The last few are all a decision reads.
    this.sql.exec("DELETE FROM auto_runs WHERE seq <= (SELECT MAX(seq) FROM auto_runs) - 20");
  }

  /**
   * Why no automatic run may start now, or null when one may: the cooldown since the last one has
   * not passed, or the last one is still working (`statusOf` asks its run).
   */
  async heldBack(
    env: SettingsSource,
    now: number,
    statusOf: (runId: string) => Promise<string | null>,
  ): Promise<string | null> {
    const last = this.sql.exec<Row>("SELECT * FROM auto_runs ORDER BY seq DESC LIMIT 1").toArray()[0];
    if (!last) return null;
    const cooldownMs = setting(env, "AIDEVOS_AUTO_RUN_COOLDOWN_SECONDS") * 1000;
    const until = Number(last.at) + cooldownMs;
    if (now < until)
      return `the last automatic run (${last.kind} ${last.run_id}) started ${Math.round((now - Number(last.at)) / 1000)}s ago; the cooldown (AIDEVOS_AUTO_RUN_COOLDOWN_SECONDS) ends at ${new Date(until).toISOString()}`;
    const status = await statusOf(String(last.run_id));
    if (status && !TERMINAL_RUN_STATUSES.includes(status as never))
      return `the last automatic run (${last.kind} ${last.run_id}) is still ${status}: one at a time per app`;
    return null;
  }
}
