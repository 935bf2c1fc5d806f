/**
 * Our database as the target of an import: opened like the engine opens it (engine lock, migrations), refused when
 * it has runs, and written in one transaction that commits all or nothing (SPEC 18.6).
 */
import { realpathSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { openDatabase } from '../store/db.js';
import { RUN_COLUMNS } from '../store/run-record.js';
import { StoreError } from '../store/store-error.js';
import { ImportError } from './apsis-db.js';
import type { TargetRun } from './convert-run.js';

/** The output a run gets when it ends in error without one (SPEC 11.3), as the engine writes it. */
const ERROR_OUTPUT_NAME = 'combined stdout & stderr';

export class Target {
  private readonly insertRun: Database.Statement<TargetRun>;
  private readonly insertLog: Database.Statement<[string, number, string]>;
  private readonly insertOutput: Database.Statement<
    [string, string, string, string, number, string | null, Buffer]
  >;
  private readonly hasOutput: Database.Statement<[string], number>;
  private readonly insertJob: Database.Statement<[string, string]>;
  private inTransaction = false;
  /** Definitions of the indexes dropped for the load. */
  private readonly dropped: string[] = [];

  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
    /** The file did not exist before this import: removed again when nothing is committed. */
    private readonly created: boolean,
  ) {
    this.insertRun = db.prepare(
      `INSERT INTO runs (rowid, ${RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertLog = db.prepare('INSERT INTO run_history (run_id, timestamp, message) VALUES (?, ?, ?)');
    // A primary key Apsis's table may lack in a damaged file: a second output of the same key is reported, not fatal.
    this.insertOutput = db.prepare(
      `INSERT OR IGNORE INTO output (run_id, output_id, name, content_type, length, compression, data)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.hasOutput = db
      .prepare<[string], number>("SELECT 1 FROM output WHERE run_id = ? AND output_id = 'output'")
      .pluck();
    this.insertJob = db.prepare('INSERT OR IGNORE INTO jobs (job_id, job) VALUES (?, ?)');
  }

  /**
   * Opens (creating when missing) our database at `path` for an import from `sourcePath`. Throws ImportError when it
   * is the source itself, is not ours, is in use by an engine, or already has runs; nothing is written then.
   */
  static open(path: string, sourcePath: string, now: number): Target {
    const created = statSync(path, { throwIfNoEntry: false }) === undefined;
    if (created) checkFolder(path);
    if (!created && realpathSync(path) === realpathSync(sourcePath)) throw itself(path);
    let db: Database.Database;
    try {
      db = openDatabase(path, { now: now / 1000 });
    } catch (e) {
      if (e instanceof StoreError) throw new ImportError(e.message);
      throw e;
    }
    const target = new Target(path, db, created);
    try {
      target.refuseIfUsed();
    } catch (e) {
      target.close(false);
      throw e;
    }
    return target;
  }

  /** Checks, without writing, that `path` could take an import from `sourcePath`: missing, or ours without runs. */
  static check(path: string, sourcePath: string): void {
    if (statSync(path, { throwIfNoEntry: false }) === undefined) return checkFolder(path);
    if (realpathSync(path) === realpathSync(sourcePath)) throw itself(path);
    let db: Database.Database;
    try {
      db = openDatabase(path, { readonly: true, create: false });
    } catch (e) {
      if (e instanceof StoreError) throw new ImportError(e.message);
      throw e;
    }
    try {
      new Target(path, db, false).refuseIfUsed();
    } finally {
      db.close();
    }
  }

  private refuseIfUsed(): void {
    const runs = this.db.prepare<[], number>('SELECT COUNT(*) FROM runs').pluck().get() ?? 0;
    const history =
      this.db.prepare<[], number>('SELECT EXISTS (SELECT 1 FROM run_history)').pluck().get() ?? 0;
    const outputs = this.db.prepare<[], number>('SELECT EXISTS (SELECT 1 FROM output)').pluck().get() ?? 0;
    if (runs > 0 || history > 0 || outputs > 0)
      throw new ImportError(
        `${this.path} already has ${runs > 0 ? `${runs} runs` : 'run history'}: an import goes only into a ` +
          'database without runs, so that no run ID is taken twice; give a new --db file',
      );
  }

  /**
   * Starts the import's one transaction. The load runs with a rollback journal instead of the WAL: the new pages are
   * then written once (not to the WAL and again at its checkpoint), and a rollback, or the next open after a crash,
   * truncates them. SQLite keeps the WAL while another process has the file open; the import then runs in WAL
   * mode, only slower. The secondary indexes of `runs` and `run_history` are dropped for the load and built again
   * by buildIndex() from their own definitions: one sort each instead of millions of scattered inserts. Both
   * changes are part of the transaction, so a rollback undoes them.
   */
  /** The connection, for reading Apsis's tables attached to it (transfer.ts) in the same transaction. */
  get connection(): Database.Database {
    return this.db;
  }

  begin(): void {
    try {
      this.db.pragma('main.journal_mode = DELETE');
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'SQLITE_BUSY') throw e;
    }
    // Pages mapped into memory would count in the resident size of a process that reads little of what it writes.
    this.db.pragma('main.mmap_size = 0');
    this.db.exec('BEGIN IMMEDIATE');
    this.inTransaction = true;
    const indexes = this.db
      .prepare<[], { name: string; sql: string }>(
        `SELECT name, sql FROM sqlite_master
           WHERE type = 'index' AND tbl_name IN ('runs', 'run_history') AND sql IS NOT NULL`,
      )
      .all();
    for (const { name, sql } of indexes) {
      this.db.exec(`DROP INDEX "${name.replace(/"/g, '""')}"`);
      this.dropped.push(sql);
    }
  }

  /** The statements that build the indexes begin() dropped: run each with buildIndex() before commit(). */
  get indexesToBuild(): readonly string[] {
    return this.dropped;
  }

  buildIndex(sql: string): void {
    this.db.exec(sql);
  }

  commit(): void {
    this.db.exec('COMMIT');
    this.inTransaction = false;
    this.restoreWal();
  }

  /** Back to WAL mode (SPEC 13.1); when another process holds the file, the engine's next open switches it. */
  private restoreWal(): void {
    try {
      this.db.pragma('main.journal_mode = WAL');
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'SQLITE_BUSY') throw e;
    }
  }

  run(row: TargetRun): void {
    this.insertRun.run(...row);
  }

  log(runId: string, timestamp: number, message: string): void {
    this.insertLog.run(runId, timestamp, message);
  }

  /** False when an output with the same run and output ID was imported before. */
  output(o: {
    runId: string;
    outputId: string;
    name: string;
    contentType: string;
    length: number;
    compression: string | null;
    data: Buffer;
  }): boolean {
    return (
      this.insertOutput.run(o.runId, o.outputId, o.name, o.contentType, o.length, o.compression, o.data)
        .changes > 0
    );
  }

  /** The error message as the run's output, unless it has an output already (SPEC 11.3, as Engine.fail does). */
  errorOutput(runId: string, message: string): boolean {
    if (this.hasOutput.get(runId) !== undefined) return false;
    const data = Buffer.from(`${message}\n`);
    return this.output({
      runId,
      outputId: 'output',
      name: ERROR_OUTPUT_NAME,
      contentType: 'text/plain',
      length: data.length,
      compression: null,
      data,
    });
  }

  /** False when the target has an ad hoc job of that ID already. */
  job(jobId: string, definition: object): boolean {
    return this.insertJob.run(jobId, JSON.stringify(definition)).changes > 0;
  }

  setClock(seconds: number): void {
    this.db.prepare('UPDATE clock SET time = ?').run(seconds);
  }

  /** The target's next run number before the import. */
  nextRunNumber(): number {
    return this.db.prepare<[], number>('SELECT number FROM next_run_id').pluck().get() ?? 1;
  }

  setNextRunNumber(n: number): void {
    this.db.prepare('UPDATE next_run_id SET number = ?').run(n);
  }

  /**
   * Closes the database. Without `committed`, rolls back what this import wrote, shrinks the WAL it grew, and
   * removes the file when this import created it: the target is left as it was.
   */
  close(committed: boolean): void {
    if (!this.db.open) return;
    if (this.inTransaction) {
      this.db.exec('ROLLBACK');
      this.inTransaction = false;
    }
    if (!committed) this.restoreWal();
    this.db.close();
    if (!committed && this.created)
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${this.path}${suffix}`, { force: true });
  }
}

/** A new database file needs its folder. */
function checkFolder(path: string): void {
  const folder = dirname(resolve(path));
  if (statSync(folder, { throwIfNoEntry: false })?.isDirectory() !== true)
    throw new ImportError(
      `the folder of --db ${path}, ${folder}, does not exist: create it or give another path`,
    );
}

function itself(path: string): ImportError {
  return new ImportError(
    `--db ${path} is Apsis's database itself: give a new file for Apsis Console's database`,
  );
}
