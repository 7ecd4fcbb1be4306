type Row = Record<string, SqlStorageValue>;

/** One schedule's record: its last run, whether it failed, and totals. */
export interface ScheduleStats {
  name: string;
  lastRunAt: string | null;
  lastError: string | null;
  runs: number;
  errors: number;
}

/** One channel's record: members connected now (across partitions), connections and messages so far. */
export interface ChannelStats {
  name: string;
  members: number;
  connections: number;
  messages: number;
}

/** Changes to one channel's counts, summed by a host before it reports them. */
export interface ChannelDelta {
  channel: string;
  connected: number;
  closed: number;
  messages: number;
}

/**
 * Schedules and channels of one app in its monitor's SQLite (the dashboard's "schedules" and
 * "channels"). Requests go through `record`; these are the counts requests cannot carry.
 */
export class RealtimeStats {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS schedule_runs (
      name TEXT PRIMARY KEY, last_at INTEGER NOT NULL, last_error TEXT, runs INTEGER NOT NULL, errors INTEGER NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS channel_stats (
      name TEXT PRIMARY KEY, members INTEGER NOT NULL, connections INTEGER NOT NULL, messages INTEGER NOT NULL)`);
  }

  scheduleRan(name: string, at: number, error: string | null): void {
    this.sql.exec(
      `INSERT INTO schedule_runs (name, last_at, last_error, runs, errors) VALUES (?, ?, ?, 1, ?)
       ON CONFLICT (name) DO UPDATE SET last_at = excluded.last_at, last_error = excluded.last_error,
         runs = runs + 1, errors = errors + excluded.errors`,
      name,
      at,
      error,
      error === null ? 0 : 1,
    );
  }

  channels(deltas: readonly ChannelDelta[]): void {
    for (const d of deltas)
      this.sql.exec(
        `INSERT INTO channel_stats (name, members, connections, messages) VALUES (?, MAX(0, ?), ?, ?)
         ON CONFLICT (name) DO UPDATE SET members = MAX(0, members + excluded.members),
           connections = connections + excluded.connections, messages = messages + excluded.messages`,
        d.channel,
        d.connected - d.closed,
        d.connected,
        d.messages,
      );
  }

  /** A redeploy closes every member: none is left connected. */
  membersGone(): void {
    this.sql.exec("UPDATE channel_stats SET members = 0");
  }

  read(): { schedules: ScheduleStats[]; channels: ChannelStats[] } {
    const schedules = this.sql
      .exec<Row>("SELECT * FROM schedule_runs ORDER BY name")
      .toArray()
      .map((r) => ({
        name: String(r.name),
        lastRunAt: new Date(Number(r.last_at)).toISOString(),
        lastError: r.last_error === null ? null : String(r.last_error),
        runs: Number(r.runs),
        errors: Number(r.errors),
      }));
    const channels = this.sql
      .exec<Row>("SELECT * FROM channel_stats ORDER BY name")
      .toArray()
      .map((r) => ({
        name: String(r.name),
        members: Number(r.members),
        connections: Number(r.connections),
        messages: Number(r.messages),
      }));
    return { schedules, channels };
  }
}
