import { type AppStorage, type SettingsSource, setting } from "@aidevos/core";

/**
 * The app runtime's answer to a request that may write (app.js): how many bytes the partition
 * stores, 0 while it holds no data. The host reads it, counts the partition and strips it.
 */
const STORED_HEADER = "x-aidevos-stored";

/** Methods whose requests may store data; DELETE frees it, so it is never refused by a quota. */
const WRITES = new Set(["POST", "PUT", "PATCH"]);

/** The bytes a partition reports on an answer, or null when the answer says nothing (a read, an older runtime). */
export function storedOf(method: string, response: Response): number | null {
  const raw = response.headers.get(STORED_HEADER);
  // A read's answer is never taken at its word: app code could set the header on a GET.
  if (raw === null || method === "GET" || method === "HEAD") return null;
  const bytes = Number(raw);
  return Number.isSafeInteger(bytes) && bytes >= 0 ? bytes : null;
}

/** The answer without the platform's header, so the client never sees it. */
export function withoutStored(response: Response): Response {
  if (!response.headers.has(STORED_HEADER) || response.webSocket) return response;
  const copy = new Response(response.body, response);
  copy.headers.delete(STORED_HEADER);
  return copy;
}

interface Row {
  bytes: number;
  data: boolean;
}

/**
 * The partitions an app's own host knows of, in its SQLite: a key is a partition once it stores data
 * (its answers say so), or, without data, while members of its channels are connected (so they hear
 * of the next version; such rows go once that version is live). Only partitions with data run
 * schedules, are checked before a deploy and count against AIDEVOS_MAX_PARTITIONS; the app's bytes
 * are the sum of its partitions' last reported sizes (a single app's lone partition is the key "").
 */
export class Partitions {
  private readonly rows = new Map<string, Row>();
  private dataCount = 0;
  private totalBytes = 0;

  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS partitions (key TEXT PRIMARY KEY)");
    const columns = sql
      .exec<{ name: string }>("SELECT name FROM pragma_table_info('partitions')")
      .toArray()
      .map((c) => c.name);
    // Keys noted before partitions had to hold data are taken as holding it: they ran schedules before.
    if (!columns.includes("data")) sql.exec("ALTER TABLE partitions ADD COLUMN data INTEGER NOT NULL DEFAULT 1");
    if (!columns.includes("bytes")) sql.exec("ALTER TABLE partitions ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0");
    for (const r of sql.exec<{ key: string; data: number; bytes: number }>("SELECT key, data, bytes FROM partitions")) {
      this.rows.set(r.key, { data: r.data === 1, bytes: r.bytes });
      if (r.data === 1) this.dataCount += r.key === "" ? 0 : 1;
      this.totalBytes += r.bytes;
    }
  }

  /** perKey partitions that hold data, in key order: where schedules run and deploys check data. */
  withData(): string[] {
    return [...this.rows.entries()]
      .filter(([key, row]) => row.data && key !== "")
      .map(([key]) => key)
      .sort();
  }

  /** Every key a new version must reach: those with data and those with members connected. */
  all(): string[] {
    return [...this.rows.keys()].filter((key) => key !== "");
  }

  /** Keys noted only for their members: forgotten once the members were moved to a new version. */
  forgetMembersOnly(): void {
    for (const [key, row] of this.rows)
      if (!row.data) {
        this.rows.delete(key);
        this.sql.exec("DELETE FROM partitions WHERE key = ?", key);
      }
  }

  /** A key whose channel has members: a row without data, unless it has one already. */
  noteMembers(key: string): void {
    if (this.rows.has(key)) return;
    this.rows.set(key, { data: false, bytes: 0 });
    this.sql.exec("INSERT OR IGNORE INTO partitions (key, data, bytes) VALUES (?, 0, 0)", key);
  }

  /** What a partition's answer said it stores (key null: a single app's lone partition). */
  noteStored(key: string | null, bytes: number): void {
    const id = key ?? "";
    const row = this.rows.get(id);
    // Nothing stored and nothing known: a write that stored nothing (or failed) leaves no trace.
    if (bytes === 0 && !row?.data) return;
    if (row?.data && row.bytes === bytes) return;
    if (!row?.data && id !== "") this.dataCount += 1;
    this.totalBytes += bytes - (row?.bytes ?? 0);
    this.rows.set(id, { data: true, bytes });
    this.sql.exec(
      "INSERT INTO partitions (key, data, bytes) VALUES (?, 1, ?) ON CONFLICT (key) DO UPDATE SET data = 1, bytes = excluded.bytes",
      id,
      bytes,
    );
  }

  /**
   * Why a request may not go on to its partition, or null. Only writes are refused: reads and
   * deletes always pass, so an app over its quota can still be read and emptied.
   */
  refusal(env: SettingsSource, key: string | null, method: string): string | null {
    if (!WRITES.has(method)) return null;
    const row = this.rows.get(key ?? "");
    if (key !== null && !row?.data) {
      const max = setting(env, "AIDEVOS_MAX_PARTITIONS");
      if (this.dataCount >= max)
        return `this app already stores data in ${this.dataCount} partitions, its quota (AIDEVOS_MAX_PARTITIONS = ${max}); a new key cannot store data`;
    }
    const maxPartition = setting(env, "AIDEVOS_MAX_PARTITION_BYTES");
    if (row && row.bytes >= maxPartition)
      return `this partition stores ${row.bytes} bytes, its quota (AIDEVOS_MAX_PARTITION_BYTES = ${maxPartition}); delete records to write again`;
    const maxApp = setting(env, "AIDEVOS_MAX_APP_BYTES");
    if (this.totalBytes >= maxApp)
      return `this app stores ${this.totalBytes} bytes, its quota (AIDEVOS_MAX_APP_BYTES = ${maxApp}); delete records to write again`;
    return null;
  }

  storage(env: SettingsSource, single: boolean): AppStorage {
    return {
      partitions: single ? (this.rows.get("")?.data ? 1 : 0) : this.dataCount,
      maxPartitions: single ? 1 : setting(env, "AIDEVOS_MAX_PARTITIONS"),
      bytes: this.totalBytes,
      maxAppBytes: setting(env, "AIDEVOS_MAX_APP_BYTES"),
      maxPartitionBytes: setting(env, "AIDEVOS_MAX_PARTITION_BYTES"),
    };
  }
}
