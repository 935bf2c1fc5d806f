/** Reading a database file as another process would, for tests that check what the engine left on disk. */
import Database from 'better-sqlite3';

/** `PRAGMA integrity_check` of the file, opened read-only: `ok` for a sound database. */
export function integrity(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}
