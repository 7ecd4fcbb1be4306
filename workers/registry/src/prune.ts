type Row = Record<string, SqlStorageValue>;

/**
 * Drops an app's oldest versions past `keep` (AIDEVOS_VERSIONS_KEPT), with their files and any file
 * content no other version shares; never the live version nor its rollback target (the version that
 * was live before it, and the one a rollback without a version picks). Their history stays: it names
 * versions, it does not hold them. Returns the versions dropped. Run inside the deploy's transaction.
 */
export function pruneVersions(sql: SqlStorage, app: string, keep: number): number[] {
  const row = sql.exec<Row>("SELECT live_version FROM apps WHERE name = ?", app).toArray()[0];
  if (!row) return [];
  const live = Number(row.live_version);
  const kept = new Set<number>([live]);
  // The version the live one replaced (a rollback's or a deploy's from_version) ...
  const before = sql
    .exec<Row>(
      "SELECT from_version FROM history WHERE app = ? AND version = ? AND from_version IS NOT NULL AND from_version <> ? ORDER BY seq DESC LIMIT 1",
      app,
      live,
      live,
    )
    .toArray()[0];
  if (before) kept.add(Number(before.from_version));
  // ... and the one `POST /rollback` without a version returns to.
  const below = sql
    .exec<Row>("SELECT version FROM versions WHERE app = ? AND version < ? ORDER BY version DESC LIMIT 1", app, live)
    .toArray()[0];
  if (below) kept.add(Number(below.version));
  const newest = sql
    .exec<Row>("SELECT version FROM versions WHERE app = ? ORDER BY version DESC LIMIT ?", app, keep)
    .toArray();
  for (const v of newest) kept.add(Number(v.version));
  const dropped = sql
    .exec<Row>("SELECT version FROM versions WHERE app = ? ORDER BY version", app)
    .toArray()
    .map((v) => Number(v.version))
    .filter((v) => !kept.has(v));
  for (const version of dropped) dropVersion(sql, app, version);
  return dropped;
}

/** Deletes one version with its files and any file content no other version shares. */
export function dropVersion(sql: SqlStorage, app: string, version: number): void {
  const hashes = sql
    .exec<Row>("SELECT hash FROM version_files WHERE app = ? AND version = ?", app, version)
    .toArray()
    .map((h) => String(h.hash));
  sql.exec("DELETE FROM version_files WHERE app = ? AND version = ?", app, version);
  sql.exec("DELETE FROM versions WHERE app = ? AND version = ?", app, version);
  for (const hash of hashes)
    sql.exec(
      "DELETE FROM file_contents WHERE hash = ? AND NOT EXISTS (SELECT 1 FROM version_files WHERE hash = ?)",
      hash,
      hash,
    );
}
