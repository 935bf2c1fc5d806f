/** Opening the engine's SQLite file (SPEC 13.1): checks that it is ours, pragmas, engine lock, migrations. */
import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { acquireEngineLock } from './engine-lock.js';
import { migrate, SCHEMA_VERSION, TABLES, userVersion } from './schema.js';
import { StoreError } from './store-error.js';

/** How to open a database file. */
export interface OpenOptions {
  /** SQLite busy timeout in seconds (`database.timeout`); default 10. */
  timeoutSeconds?: number;
  /** Read only, for other processes such as `apsis stats-csv`: no lock, no migration, never creates; default false. */
  readonly?: boolean;
  /** Create the file when it is missing; default true (never when `readonly`). */
  create?: boolean;
  /** Epoch seconds; a database created by this open starts its clock here (SPEC 12.2). Required to create one. */
  now?: number;
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Opens `path` with the pragmas of SPEC 13.1; unless read-only, takes the engine lock (released by `close()`) and
 * migrates to SCHEMA_VERSION. Throws StoreError for a file that is missing (`create: false`), not SQLite, another
 * application's database, from a newer version, or in use by another engine.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Database.Database {
  try {
    return open(path, options);
  } catch (e) {
    throw cannotAccess(path, options.readonly ?? false, e) ?? e;
  }
}

function open(path: string, options: OpenOptions): Database.Database {
  const readonly = options.readonly ?? false;
  const create = !readonly && (options.create ?? true);
  const size = fileSize(path);
  if (size === undefined && !create)
    throw new StoreError('missing', `${path} does not exist: check the --db path`);
  if (size === undefined && options.now === undefined)
    throw new TypeError(`openDatabase: options.now is required to create ${path}`);
  if (size !== undefined && size > 0 && !hasSqliteHeader(path)) throw notSqlite(path);
  // SQLite would open a file it may not write read-only without a word, and fail at the first write.
  if (size !== undefined && !readonly) accessSync(path, constants.W_OK);

  const db = new Database(path, {
    readonly,
    fileMustExist: !create,
    timeout: Math.round((options.timeoutSeconds ?? 10) * 1000),
  });
  try {
    const version = checkOurs(db, path);
    db.pragma('cache_size = -32768');
    db.pragma('mmap_size = 268435456');
    db.pragma('foreign_keys = ON');
    if (readonly) {
      if (version === 0) throw foreign(path, 'it is empty');
      return db;
    }
    // page_size takes effect only before the first table exists, and must precede WAL mode.
    if (version === 0) db.pragma('page_size = 8192');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`${path}: SQLite refused WAL journal mode (still ${String(mode)})`);
    db.pragma('synchronous = NORMAL');

    const lock = acquireEngineLock(path, (fn) => db.transaction(fn).immediate());
    try {
      if (version < SCHEMA_VERSION) {
        if (options.now === undefined)
          throw new TypeError(`openDatabase: options.now is required to create ${path}`);
        migrate(db, { now: options.now });
      }
    } catch (e) {
      lock.release();
      throw e;
    }
    const closeConnection = db.close.bind(db);
    db.close = () => {
      try {
        return closeConnection();
      } finally {
        lock.release();
      }
    };
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/** The user_version of a database that is ours (0 for a new, empty one); throws StoreError otherwise. */
function checkOurs(db: Database.Database, path: string): number {
  let version: number;
  let tables: Set<string>;
  try {
    version = userVersion(db);
    const names = db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    tables = new Set(names.filter((name) => !name.startsWith('sqlite_')));
  } catch (e) {
    if (e instanceof Database.SqliteError && e.code === 'SQLITE_NOTADB') throw notSqlite(path);
    throw e;
  }
  if (version === 0 && tables.size === 0) return 0;
  if (version === 0) throw foreign(path, 'it has tables but no schema version');
  const missing = TABLES.filter((table) => !tables.has(table));
  if (missing.length === TABLES.length) throw foreign(path, `it has none of the tables ${TABLES.join(', ')}`);
  if (version > SCHEMA_VERSION) {
    throw new StoreError(
      'newer',
      `${path} was written by a newer Apsis Console (schema version ${version}; this version reads up to ` +
        `${SCHEMA_VERSION}): upgrade Apsis Console or choose another --db file`,
    );
  }
  if (missing.length > 0) throw foreign(path, `missing tables: ${missing.join(', ')}`);
  return version;
}

/** A StoreError for a file or folder the engine may not use, a full disk or an I/O error; undefined for others. */
function cannotAccess(path: string, readonly: boolean, e: unknown): StoreError | undefined {
  if (e instanceof StoreError) return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  const denied =
    ['EACCES', 'EPERM', 'EROFS'].includes(code) || /^SQLITE_(READONLY|CANTOPEN|PERM|AUTH)/.test(code);
  if (denied && readonly)
    return new StoreError('unwritable', `cannot read ${path} (${code}): make it readable, or check the path`);
  if (denied)
    return new StoreError(
      'unwritable',
      `cannot open ${path} for writing (${code}): the engine writes the database and its -wal, -shm and .lock ` +
        `files in ${dirname(path)}; make that folder and the file writable, or choose another --db file`,
    );
  if (code === 'ENOSPC' || code === 'SQLITE_FULL')
    return new StoreError(
      'unwritable',
      `cannot open ${path}: its disk is full (${code}); free space on it, or choose another --db file`,
    );
  if (code === 'EIO' || code.startsWith('SQLITE_IOERR'))
    return new StoreError(
      'unwritable',
      `cannot open ${path}: input/output error (${code}); check the disk, or choose another --db file`,
    );
  return undefined;
}

function fileSize(path: string): number | undefined {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return undefined;
  if (!stat.isFile()) throw notSqlite(path);
  return stat.size;
}

function hasSqliteHeader(path: string): boolean {
  const header = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(path, 'r');
  try {
    return readSync(fd, header, 0, header.length, 0) === header.length && header.equals(SQLITE_HEADER);
  } finally {
    closeSync(fd);
  }
}

function notSqlite(path: string): StoreError {
  return new StoreError(
    'not-sqlite',
    `${path} is not an Apsis Console database (not SQLite): choose another --db file`,
  );
}

function foreign(path: string, reason: string): StoreError {
  return new StoreError(
    'foreign',
    `${path} is an SQLite database but not an Apsis Console one (${reason}): choose another --db file`,
  );
}
