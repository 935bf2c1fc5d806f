import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/db.js';
import { FINISHED_SQL, SCHEMA_VERSION, TABLES } from '../../main/store/schema.js';
import { FINISHED_STATES } from '../../shared/model/states.js';
import { StoreError } from '../../main/store/store-error.js';
import { closeLater, CREATED, openStore, tempDbPath } from './temp-db.js';

function refusal(open: () => unknown): StoreError {
  try {
    open();
  } catch (e) {
    if (e instanceof StoreError) return e;
    throw e;
  }
  throw new Error('expected a StoreError');
}

function rawDb(path: string, sql: string): void {
  const db = new Database(path);
  db.exec(sql);
  db.close();
}

describe('openDatabase', () => {
  it('creates every table and index at the current schema version with the pragmas of SPEC 13.1', () => {
    const db = closeLater(openDatabase(tempDbPath(), { now: CREATED }));
    const names = (type: string) =>
      db
        .prepare<[string], string>(
          "SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%'",
        )
        .pluck()
        .all(type);
    expect(new Set(names('table'))).toEqual(new Set([...TABLES, 'pending_actions', 'stats_shapes']));
    expect(names('index')).toEqual(
      expect.arrayContaining([
        'runs_job_id',
        'runs_timestamp',
        'run_history_run_id',
        'runs_unfinished',
        'runs_failure',
        'runs_error',
        'stats_time_shape',
      ]),
    );
    const pragma = (name: string) => db.pragma(name, { simple: true });
    expect(pragma('user_version')).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(4);
    expect(pragma('journal_mode')).toBe('wal');
    expect(pragma('synchronous')).toBe(1);
    expect(pragma('page_size')).toBe(8192);
    expect(pragma('cache_size')).toBe(-32768);
    expect(pragma('mmap_size')).toBe(268435456);
    expect(pragma('busy_timeout')).toBe(10_000);
    expect(pragma('foreign_keys')).toBe(1);
    expect(db.prepare('SELECT time FROM clock').pluck().all()).toEqual([CREATED]);
    expect(db.prepare('SELECT number FROM next_run_id').pluck().all()).toEqual([1]);
  });

  it('takes the busy timeout from timeoutSeconds', () => {
    const db = closeLater(openDatabase(tempDbPath(), { now: CREATED, timeoutSeconds: 2.5 }));
    expect(db.pragma('busy_timeout', { simple: true })).toBe(2500);
  });

  it('keeps data and clock across a reopen and does not migrate again', () => {
    const path = tempDbPath();
    const store = openStore(path);
    store.setClock(CREATED + 60);
    store.putJob('adhoc-1', { program: { type: 'no-op' } });
    store.close();
    const again = openStore(path, { now: CREATED + 3600 });
    expect(again.getClock()).toBe(CREATED + 60);
    expect(again.getJob('adhoc-1')).toEqual({ program: { type: 'no-op' } });
    expect(again.db.prepare('SELECT count(*) FROM clock').pluck().get()).toBe(1);
  });

  it('needs a creation time to create a database', () => {
    expect(() => openDatabase(tempDbPath())).toThrow(/options.now is required/);
  });

  it('refuses a file that is not SQLite', () => {
    const path = tempDbPath();
    writeFileSync(path, 'jobs:\n  - hello\n');
    const e = refusal(() => openDatabase(path, { now: CREATED }));
    expect(e.code).toBe('not-sqlite');
    expect(e.message).toBe(`${path} is not an Apsis Console database (not SQLite): choose another --db file`);
  });

  it('refuses a file that starts like SQLite but is not a database', () => {
    const path = tempDbPath();
    writeFileSync(path, Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(200, 0xff)]));
    expect(refusal(() => openDatabase(path, { now: CREATED })).code).toBe('not-sqlite');
  });

  it('refuses another application’s SQLite database without touching it', () => {
    const path = tempDbPath();
    rawDb(path, 'CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)');
    const e = refusal(() => openDatabase(path, { now: CREATED }));
    expect(e.code).toBe('foreign');
    expect(e.message).toBe(
      `${path} is an SQLite database but not an Apsis Console one (it has tables but no schema version): ` +
        'choose another --db file',
    );
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    db.close();
  });

  it('refuses a versioned database that lacks our tables', () => {
    const path = tempDbPath();
    rawDb(path, 'CREATE TABLE runs (x); CREATE TABLE clock (time REAL); PRAGMA user_version = 1');
    const e = refusal(() => openDatabase(path, { now: CREATED }));
    expect(e.code).toBe('foreign');
    expect(e.message).toMatch(
      /^.* is an SQLite database but not an Apsis Console one \(missing tables: next_run_id, jobs/,
    );

    const other = tempDbPath();
    rawDb(other, 'CREATE TABLE things (x); PRAGMA user_version = 7');
    expect(refusal(() => openDatabase(other, { now: CREATED })).code).toBe('foreign');
  });

  it('refuses a database from a newer schema version', () => {
    const path = tempDbPath();
    openDatabase(path, { now: CREATED }).close();
    rawDb(path, 'PRAGMA user_version = 5');
    const e = refusal(() => openDatabase(path, { now: CREATED }));
    expect(e.code).toBe('newer');
    expect(e.message).toBe(
      `${path} was written by a newer Apsis Console (schema version 5; this version reads up to 4): ` +
        'upgrade Apsis Console or choose another --db file',
    );
  });

  it('refuses a missing file when it must not create one', () => {
    const path = tempDbPath();
    for (const options of [{ create: false }, { readonly: true }]) {
      const e = refusal(() => openDatabase(path, options));
      expect(e.code).toBe('missing');
      expect(e.message).toBe(`${path} does not exist: check the --db path`);
    }
  });

  it('refuses an empty file read-only, and creates a database in it read-write', () => {
    const path = tempDbPath();
    writeFileSync(path, '');
    expect(refusal(() => openDatabase(path, { readonly: true })).message).toMatch(/\(it is empty\)/);
    const db = closeLater(openDatabase(path, { now: CREATED }));
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
  });

  it('migrates a version 1 database forward, keeping its runs', () => {
    const path = tempDbPath();
    const store = openStore(path);
    store.upsertRun({
      run_id: 'r7',
      timestamp: CREATED,
      job_id: 'j',
      args: {},
      state: 'success',
      program: null,
      times: {},
      meta: {},
      run_state: null,
      conds: null,
      actions: null,
    });
    store.close();
    rawDb(
      path,
      'DROP TABLE pending_actions; DROP INDEX runs_failure; DROP INDEX runs_error; DROP TABLE stats_shapes; ' +
        'DROP INDEX stats_time_shape; ALTER TABLE stats DROP COLUMN cells; ALTER TABLE stats DROP COLUMN shape; ' +
        'PRAGMA user_version = 1',
    );
    const db = closeLater(openDatabase(path, { now: CREATED }));
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.prepare('SELECT count(*) FROM pending_actions').pluck().get()).toBe(0);
    expect(db.prepare('SELECT run_id FROM runs').pluck().all()).toEqual(['r7']);
  });

  it('opens read-only while an engine has the database open, and sees its later writes', () => {
    const path = tempDbPath();
    const writer = openStore(path);
    writer.insertStats(CREATED + 10, { a: 1 });
    writer.commitBatch(); // what the engine does at the end of each event-loop turn
    const reader = openStore(path, { readonly: true });
    expect(reader.db.readonly).toBe(true);
    expect([...reader.iterateStats()]).toEqual([{ time: CREATED + 10, stats: '{"a":1}' }]);
    writer.insertStats(CREATED + 20, { a: 2 });
    writer.commitBatch();
    expect([...reader.iterateStats()].map((s) => s.time)).toEqual([CREATED + 10, CREATED + 20]);
    reader.setClock(0);
    expect(() => reader.flush()).toThrow(/readonly database \(SQLITE_READONLY\)/);
    reader.close();
    writer.insertStats(CREATED + 30, { a: 3 });
  });
});

describe('schema', () => {
  it('defines the unfinished-runs index with exactly the finished states of SPEC 11.2', () => {
    expect(FINISHED_SQL).toBe(`(${FINISHED_STATES.map((s) => `'${s}'`).join(', ')})`);
  });
});
