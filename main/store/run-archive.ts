/** Moving finished runs out of the database into an archive database (ArchiveProgram, SqliteStore.archiveRuns). */
import type Database from 'better-sqlite3';

/** Rows moved per table. */
export type ArchivedRows = Record<'runs' | 'run_history' | 'output', number>;

/**
 * Moves the rows of these runs into the archive database at `path`, attached for the move, in one `transaction`;
 * refuses, moving nothing, when one of them is there already. The caller has committed its collected writes (ATTACH
 * is refused inside a transaction).
 */
export function moveToArchive(
  db: Database.Database,
  runIds: readonly string[],
  path: string,
  transaction: (fn: () => ArchivedRows) => ArchivedRows,
): ArchivedRows {
  db.prepare('ATTACH DATABASE ? AS archive').run(path);
  try {
    const list = JSON.stringify(runIds);
    return transaction(() => {
      const clash = db
        .prepare<[string], string>(
          'SELECT run_id FROM archive.runs WHERE run_id IN (SELECT value FROM json_each(?)) LIMIT 1',
        )
        .pluck()
        .get(list);
      if (clash !== undefined) throw new Error(`archive: run ${clash} is already in ${path}`);
      const rows = { runs: 0, run_history: 0, output: 0 };
      for (const table of ['runs', 'run_history', 'output'] as const) {
        rows[table] = db
          .prepare(
            `INSERT INTO archive.${table} SELECT * FROM main.${table} WHERE run_id IN (SELECT value FROM json_each(?))`,
          )
          .run(list).changes;
        db.prepare(`DELETE FROM main.${table} WHERE run_id IN (SELECT value FROM json_each(?))`).run(list);
      }
      return rows;
    });
  } finally {
    db.exec('DETACH DATABASE archive');
  }
}
