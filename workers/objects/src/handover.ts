/**
 * Moving tables from an object that used to play a role to the object that plays it now. The old
 * object dumps the rows it has (reading only tables that exist, creating nothing); the new one loads
 * them in one transaction before it serves anything, and remembers that it did.
 */
export type TableDump = { table: string; rows: Record<string, SqlStorageValue>[] }[];

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** The rows of the named tables that exist in this object's storage (an empty list when none do). */
export function dumpTables(sql: SqlStorage, tables: readonly string[]): TableDump {
  const existing = new Set(
    sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .toArray()
      .map((r) => r.name),
  );
  return tables
    .filter((t) => IDENTIFIER.test(t) && existing.has(t))
    .map((table) => ({ table, rows: sql.exec<Record<string, SqlStorageValue>>(`SELECT * FROM ${table}`).toArray() }))
    .filter((t) => t.rows.length > 0);
}

/** Inserts dumped rows into tables of the same shape; rows already present (same key) are kept. */
export function copyTables(sql: SqlStorage, dump: TableDump): number {
  let copied = 0;
  for (const { table, rows } of dump) {
    if (!IDENTIFIER.test(table)) continue;
    for (const row of rows) {
      const columns = Object.keys(row).filter((c) => IDENTIFIER.test(c));
      sql.exec(
        `INSERT OR IGNORE INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
        ...columns.map((c) => row[c] ?? null),
      );
      copied += 1;
    }
  }
  return copied;
}
