/** Every SQL statement of the store (SPEC 13.2 tables), prepared once per connection. */
import type Database from 'better-sqlite3';
import type { StoredOutput } from './output-codec.js';
import { RUN_COLUMNS, type RunRow } from './run-record.js';
import { FINISHED_SQL } from './schema.js';

/** One run-log entry (SPEC 11.5); `timestamp` in epoch seconds. */
export interface RunLogEntry {
  run_id: string;
  timestamp: number;
  message: string;
}

/** An output's metadata, without its data. */
export type OutputInfo = Pick<StoredOutput, 'output_id' | 'name' | 'content_type' | 'length'>;

/** One stats sample (SPEC 17.3): `time` in epoch seconds, `stats` the JSON text as stored. */
export interface StatsRow {
  time: number;
  stats: string;
}

type Statement<P extends unknown[], R = unknown> = Database.Statement<P, R>;

/** A finished run's summary columns: run_id, timestamp, job_id, args, state, times, labels JSON, conds, host. */
export type SummaryRow = [
  string,
  number,
  string,
  string,
  string,
  string,
  string | null,
  string | null,
  string | null,
];

/** The prepared statements of one connection. */
export interface Statements {
  nextRunId: Statement<[], number>;
  setNextRunId: Statement<[number]>;
  upsertRun: Statement<[number, ...RunRow]>;
  getRun: Statement<[number], RunRow>;
  allRuns: Statement<[], RunRow>;
  runsSince: Statement<[number], RunRow>;
  newestFinishedSummaries: Statement<[number, number], SummaryRow>;
  unfinishedRuns: Statement<[], RunRow>;
  runsOfJob: Statement<[string, number], RunRow>;
  deleteRun: Statement<[number]>;
  deleteLog: Statement<[string]>;
  deleteOutputs: Statement<[string]>;
  appendLog: Statement<[string, number, string]>;
  runLog: Statement<[string], RunLogEntry>;
  upsertOutput: Statement<[string, string, string, string, number, string | null, Buffer]>;
  getOutput: Statement<[string, string], StoredOutput>;
  listOutputs: Statement<[string], OutputInfo>;
  putJob: Statement<[string, string]>;
  getJob: Statement<[string], string>;
  allJobs: Statement<[], [string, string]>;
  deleteJob: Statement<[string]>;
  getClock: Statement<[], number>;
  setClock: Statement<[number]>;
  statsFrom: Statement<[number, number, number], StatsRow>;
  statsAfter: Statement<[number, number, number], StatsRow>;
  pruneStats: Statement<[number, number]>;
  putPendingAction: Statement<[string, string, string, string]>;
  deletePendingAction: Statement<[string]>;
  pendingActions: Statement<[], [string, string, string, string]>;
  finishedRunIdsBefore: Statement<[number, number], string>;
  countFailuresSince: Statement<[number], number>;
  countErrorsSince: Statement<[number], number>;
  /** Runs by (timestamp, rowid) after a cursor and before a time, a page at a time: [ts, rowid, before, limit]. */
  failuresPage: Statement<[number, number, number, number], RunRow>;
  errorsPage: Statement<[number, number, number, number], RunRow>;
  runsPage: Statement<[number, number, number, number], RunRow>;
  jobHasRuns: Statement<[string], number>;
}

/** A page of runs walked in (timestamp, rowid) order through a timestamp index: after a cursor, before a time. */
const PAGE_WHERE = '(timestamp, rowid) > (?, ?) AND timestamp < ? ORDER BY timestamp, rowid LIMIT ?';

/** Prepares every statement of the store on `db`. */
export function prepareStatements(db: Database.Database): Statements {
  const runs = <P extends unknown[]>(where: string) =>
    db.prepare<P, RunRow>(`SELECT ${RUN_COLUMNS} FROM runs ${where}`).raw();
  return {
    nextRunId: db.prepare<[], number>('SELECT number FROM next_run_id').pluck(),
    setNextRunId: db.prepare<[number]>('UPDATE next_run_id SET number = ?'),
    upsertRun: db.prepare<[number, ...RunRow]>(
      `INSERT INTO runs (rowid, ${RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (rowid) DO UPDATE SET timestamp = excluded.timestamp, job_id = excluded.job_id,
           args = excluded.args, state = excluded.state, program = excluded.program, times = excluded.times,
           meta = excluded.meta, run_state = excluded.run_state, conds = excluded.conds, actions = excluded.actions`,
    ),
    getRun: runs<[number]>('WHERE rowid = ?'),
    allRuns: runs<[]>('ORDER BY rowid'),
    // The subquery walks the timestamp index; a plain WHERE with ORDER BY rowid makes the planner scan every run.
    runsSince: runs<[number]>('WHERE rowid IN (SELECT rowid FROM runs WHERE timestamp >= ?) ORDER BY rowid'),
    // Only what a finished run keeps in memory; meta's labels extracted by SQLite, not parsed whole in JS.
    newestFinishedSummaries: db
      .prepare<[number, number], SummaryRow>(
        `SELECT run_id, timestamp, job_id, args, state, times, json_extract(meta, '$.job.labels'), conds,
           json_extract(meta, '$.program.host') FROM runs
           WHERE timestamp >= ? AND state IN ${FINISHED_SQL} ORDER BY rowid DESC LIMIT ?`,
      )
      .raw(),
    // Without ANALYZE statistics the planner prefers a rowid scan (no sort) over the partial index; force it so
    // restore reads the few unfinished runs, not a million finished ones.
    unfinishedRuns: runs<[]>(`INDEXED BY runs_unfinished WHERE state NOT IN ${FINISHED_SQL} ORDER BY rowid`),
    runsOfJob: runs<[string, number]>('WHERE job_id = ? ORDER BY rowid DESC LIMIT ?'),
    deleteRun: db.prepare<[number]>('DELETE FROM runs WHERE rowid = ?'),
    deleteLog: db.prepare<[string]>('DELETE FROM run_history WHERE run_id = ?'),
    deleteOutputs: db.prepare<[string]>('DELETE FROM output WHERE run_id = ?'),
    appendLog: db.prepare<[string, number, string]>(
      'INSERT INTO run_history (run_id, timestamp, message) VALUES (?, ?, ?)',
    ),
    runLog: db.prepare<[string], RunLogEntry>(
      'SELECT run_id, timestamp, message FROM run_history WHERE run_id = ? ORDER BY timestamp, rowid',
    ),
    upsertOutput: db.prepare<[string, string, string, string, number, string | null, Buffer]>(
      `INSERT INTO output (run_id, output_id, name, content_type, length, compression, data)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, output_id) DO UPDATE SET name = excluded.name, content_type = excluded.content_type,
           length = excluded.length, compression = excluded.compression, data = excluded.data`,
    ),
    getOutput: db.prepare<[string, string], StoredOutput>(
      'SELECT run_id, output_id, name, content_type, length, compression, data FROM output WHERE run_id = ? AND output_id = ?',
    ),
    listOutputs: db.prepare<[string], OutputInfo>(
      'SELECT output_id, name, content_type, length FROM output WHERE run_id = ? ORDER BY output_id',
    ),
    putJob: db.prepare<[string, string]>(
      'INSERT INTO jobs (job_id, job) VALUES (?, ?) ON CONFLICT (job_id) DO UPDATE SET job = excluded.job',
    ),
    getJob: db.prepare<[string], string>('SELECT job FROM jobs WHERE job_id = ?').pluck(),
    allJobs: db.prepare<[], [string, string]>('SELECT job_id, job FROM jobs ORDER BY job_id').raw(),
    deleteJob: db.prepare<[string]>('DELETE FROM jobs WHERE job_id = ?'),
    getClock: db.prepare<[], number>('SELECT time FROM clock').pluck(),
    setClock: db.prepare<[number]>('UPDATE clock SET time = ?'),
    statsFrom: db.prepare<[number, number, number], StatsRow>(
      'SELECT time, stats FROM stats WHERE time >= ? AND time < ? ORDER BY time LIMIT ?',
    ),
    statsAfter: db.prepare<[number, number, number], StatsRow>(
      'SELECT time, stats FROM stats WHERE time > ? AND time < ? ORDER BY time LIMIT ?',
    ),
    pruneStats: db.prepare<[number, number]>(
      'DELETE FROM stats WHERE time IN (SELECT time FROM stats WHERE time < ? ORDER BY time LIMIT ?)',
    ),
    putPendingAction: db.prepare<[string, string, string, string]>(
      'INSERT OR REPLACE INTO pending_actions (key, run_id, action, snapshot) VALUES (?, ?, ?, ?)',
    ),
    deletePendingAction: db.prepare<[string]>('DELETE FROM pending_actions WHERE key = ?'),
    pendingActions: db
      .prepare<[], [string, string, string, string]>(
        'SELECT key, run_id, action, snapshot FROM pending_actions ORDER BY rowid',
      )
      .raw(),
    finishedRunIdsBefore: db
      .prepare<[number, number], string>(
        `SELECT run_id FROM runs WHERE state IN ${FINISHED_SQL} AND timestamp < ? ORDER BY rowid LIMIT ?`,
      )
      .pluck(),
    jobHasRuns: db.prepare<[string], number>('SELECT 1 FROM runs WHERE job_id = ? LIMIT 1').pluck(),
    // The state is literal text, so the planner can prove the partial index (runs_failure, runs_error) applies.
    countFailuresSince: db
      .prepare<[number], number>("SELECT count(*) FROM runs WHERE state = 'failure' AND timestamp >= ?")
      .pluck(),
    countErrorsSince: db
      .prepare<[number], number>("SELECT count(*) FROM runs WHERE state = 'error' AND timestamp >= ?")
      .pluck(),
    failuresPage: runs<[number, number, number, number]>(`WHERE state = 'failure' AND ${PAGE_WHERE}`),
    errorsPage: runs<[number, number, number, number]>(`WHERE state = 'error' AND ${PAGE_WHERE}`),
    runsPage: runs<[number, number, number, number]>(`WHERE ${PAGE_WHERE}`),
  };
}
