/**
 * An Apsis 1.1.2 database (`python/apsis/sqlite.py`) opened read-only, its tables and columns checked. Its rows are
 * read through an attachment in the import's transaction (transfer.ts); this connection stays open meanwhile.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SOURCE_RUN_COLUMNS } from './convert-run.js';

/** A refusal to import, with a message for the user that names the file and the way on. */
export class ImportError extends Error {
  override readonly name = 'ImportError';
}

/** Columns each of Apsis's tables must have; `runs` may lack the optional ones of SOURCE_RUN_COLUMNS. */
const REQUIRED: Record<string, readonly string[]> = {
  runs: ['run_id', 'timestamp', 'job_id', 'args', 'state', 'program', 'times', 'meta', 'run_state'],
  run_history: ['run_id', 'timestamp', 'message'],
  output: ['run_id', 'output_id', 'name', 'content_type', 'length', 'compression', 'data'],
  clock: ['time'],
};
const OPTIONAL_RUN_COLUMNS = ['conds', 'actions', 'message', 'rerun'];

/** An open Apsis database, inside its read transaction until close(). */
export class ApsisDb {
  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
    /** The SELECT list of SOURCE_RUN_COLUMNS, NULL for optional columns this database lacks. */
    readonly runColumns: string,
    /** Its tables: `jobs` and `next_run_id` may be missing. */
    readonly tables: ReadonlySet<string>,
    private readonly wal: boolean,
  ) {}

  /** Opens and checks `path`; throws ImportError when it cannot be read or is not an Apsis database. */
  static open(path: string): ApsisDb {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat === undefined)
      throw new ImportError(`${path} does not exist: give the path of Apsis's database file`);
    if (!stat.isFile())
      throw new ImportError(`${path} is not a file: give the path of Apsis's database file`);
    const header = readHeader(path);
    if (header.toString('latin1', 0, 16) !== 'SQLite format 3\0')
      throw new ImportError(`${path} is not an SQLite database, so not Apsis's: check the path`);
    let db: Database.Database;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true, timeout: 10_000 });
    } catch (e) {
      throw new ImportError(cannotOpen(path, e, header[18] === 2));
    }
    try {
      db.pragma('query_only = ON');
      const tables = new Set(
        db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all(),
      );
      if (tables.has('stats') && Number(db.pragma('user_version', { simple: true })) > 0)
        throw new ImportError(
          `${path} is an Apsis Console database already, not Apsis's: use it as it is (apsis serve DIR --db ${path})`,
        );
      const missing = Object.keys(REQUIRED).filter((t) => !tables.has(t));
      if (missing.length > 0)
        throw new ImportError(`${path} is not an Apsis database: it has no table ${missing.join(', ')}`);
      const columns = new Map(Object.keys(REQUIRED).map((t) => [t, columnsOf(db, t)]));
      for (const [table, required] of Object.entries(REQUIRED)) {
        const lacking = required.filter((c) => !columns.get(table)?.has(c));
        if (lacking.length > 0)
          throw new ImportError(
            `${path} is not an Apsis database: its table ${table} has no column ${lacking.join(', ')}`,
          );
      }
      const runs = columns.get('runs') ?? new Set();
      const select = SOURCE_RUN_COLUMNS.map((c) =>
        OPTIONAL_RUN_COLUMNS.includes(c) && !runs.has(c) ? 'NULL' : c,
      );
      return new ApsisDb(path, db, select.join(', '), tables, header[18] === 2);
    } catch (e) {
      db.close();
      if (e instanceof Database.SqliteError) throw new ImportError(cannotOpen(path, e, header[18] === 2));
      throw e;
    }
  }

  /** Attaches this database to `db` as `apsis`, for reading its rows there (transfer.ts). */
  attachTo(db: Database.Database): void {
    try {
      db.prepare('ATTACH DATABASE ? AS apsis').run(this.path);
      // Read once, front to back: mapped pages would only swell the resident size.
      db.pragma('apsis.mmap_size = 0');
    } catch (e) {
      if (e instanceof Database.SqliteError) throw new ImportError(cannotOpen(this.path, e, this.wal));
      throw e;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function columnsOf(db: Database.Database, table: string): Set<string> {
  return new Set(
    db
      .prepare<[], { name: string }>(`PRAGMA table_info(${table})`)
      .all()
      .map((c) => c.name),
  );
}

function readHeader(path: string): Buffer {
  const header = Buffer.alloc(100);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  return header;
}

/** The message for a database that SQLite could not open or read. */
export function cannotOpen(path: string, e: unknown, wal: boolean): string {
  const code = (e as { code?: unknown }).code;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
    return `${path} is not a readable SQLite database (${String(code)}): check the path, or restore it from a backup`;
  if (code === 'SQLITE_BUSY')
    return `${path} is locked by another process (${String(code)}): stop Apsis before importing its database`;
  if (code === 'SQLITE_CANTOPEN' && wal)
    return (
      `cannot read ${path} (${String(code)}): it is in WAL mode, and SQLite must create ${path}-shm beside it to ` +
      'read it; make its folder writable, or copy the database (with its -wal file) to a writable folder'
    );
  const reason = typeof code === 'string' ? code : (e as Error).message;
  return `cannot read ${path} (${reason}): make it readable, or check the path`;
}
