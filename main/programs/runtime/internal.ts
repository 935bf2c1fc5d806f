/**
 * ArchiveProgram and VacuumProgram (SPEC 6.4): internal programs that work on the engine's own database.
 * Each finishes its current unit of work when stopped; an interrupted run is an error at the next start.
 */
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Engine } from '../../engine/engine.js';
import { FINISHED_SQL } from '../../store/schema.js';
import type { BoundProgram } from '../bind.js';
import type { ARCHIVE_TYPE } from '../spec.js';
import {
  UpdateQueue,
  type ProgramContext,
  type ProgramRuntime,
  type ProgramUpdate,
  type RunningProgram,
} from './types.js';

type ArchiveProgram = Extract<BoundProgram, { type: typeof ARCHIVE_TYPE }>;

/** The archive's tables: the same columns as the run DB's (SPEC 13.5). */
const ARCHIVE_SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  rowid INTEGER PRIMARY KEY, run_id TEXT NOT NULL UNIQUE, timestamp REAL NOT NULL, job_id TEXT NOT NULL,
  args TEXT NOT NULL, state TEXT NOT NULL, program TEXT, times TEXT NOT NULL, meta TEXT NOT NULL, run_state TEXT,
  conds TEXT, actions TEXT
);
CREATE TABLE IF NOT EXISTS run_history (run_id TEXT NOT NULL, timestamp REAL NOT NULL, message TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS output (
  run_id TEXT NOT NULL, output_id TEXT NOT NULL, name TEXT NOT NULL, content_type TEXT NOT NULL,
  length INTEGER NOT NULL, compression TEXT, data BLOB NOT NULL, PRIMARY KEY (run_id, output_id)
);`;

function interrupted(): RunningProgram {
  const queue = new UpdateQueue();
  queue.push({ kind: 'error', message: 'interrupted by shutdown', meta: {} });
  return { updates: queue, stop: () => {}, signal: () => false, detach: () => {} };
}

/** A running internal program over an async generator; stop ends it after its current unit of work. */
function internal(make: (stopped: () => boolean) => AsyncGenerator<ProgramUpdate>): RunningProgram {
  let stopped = false;
  return {
    updates: make(() => stopped),
    stop: () => {
      stopped = true;
    },
    signal: () => false,
    detach: () => {
      stopped = true;
    },
  };
}

async function* archive(
  p: ArchiveProgram,
  ctx: ProgramContext,
  engine: Engine,
  stopped: () => boolean,
): AsyncGenerator<ProgramUpdate> {
  yield { kind: 'running', runState: null, meta: {} };
  const path = resolve(ctx.cwd, p.path);
  try {
    if (!(await stat(dirname(path))).isDirectory()) throw new Error('not a directory');
  } catch {
    yield {
      kind: 'error',
      message: `archive: directory ${dirname(path)} does not exist (create it or change path)`,
      meta: {},
    };
    return;
  }
  const target = new Database(path);
  target.exec(ARCHIVE_SCHEMA);
  target.close();

  const store = engine.store;
  const db = store.db;
  const select = db
    .prepare<[number, number], string>(
      `SELECT run_id FROM runs WHERE state IN ${FINISHED_SQL} AND timestamp < ? ORDER BY rowid LIMIT ?`,
    )
    .pluck();
  const cutoff = ctx.clock.now() / 1000 - p.age;
  const runIds: string[][] = [];
  const rows = { runs: 0, run_history: 0, output: 0 };
  const time = { 'get runs': 0, 'archive runs': 0 };
  let remaining = p.count;
  while (remaining > 0 && !stopped()) {
    let t0 = performance.now();
    const ids = select.all(cutoff, Math.min(remaining, p.chunk_size ?? remaining));
    time['get runs'] += (performance.now() - t0) / 1000;
    if (ids.length === 0) break;
    t0 = performance.now();
    // Out of memory and out of the live views first (run_delete), then moved in one transaction.
    for (const id of ids) {
      const run = engine.runs.get(id);
      if (run !== undefined) engine.runs.remove(run);
      engine.events.emit('delete', id);
    }
    try {
      store.flush(); // ATTACH is refused inside a transaction
    } catch (e) {
      yield { kind: 'error', message: `archive: ${(e as Error).message}`, meta: {} };
      return;
    }
    db.prepare('ATTACH DATABASE ? AS archive').run(path);
    try {
      const list = JSON.stringify(ids);
      store.transaction(() => {
        const clash = db
          .prepare<[string], string>(
            'SELECT run_id FROM archive.runs WHERE run_id IN (SELECT value FROM json_each(?)) LIMIT 1',
          )
          .pluck()
          .get(list);
        if (clash !== undefined) throw new Error(`archive: run ${clash} is already in ${path}`);
        for (const table of ['runs', 'run_history', 'output'] as const) {
          const moved = db
            .prepare(
              `INSERT INTO archive.${table} SELECT * FROM main.${table} WHERE run_id IN (SELECT value FROM json_each(?))`,
            )
            .run(list);
          rows[table] += moved.changes;
          db.prepare(`DELETE FROM main.${table} WHERE run_id IN (SELECT value FROM json_each(?))`).run(list);
        }
      });
    } catch (e) {
      yield {
        kind: 'error',
        message: (e as Error).message,
        meta: { 'run count': runIds.flat().length, run_ids: runIds },
      };
      return;
    } finally {
      db.exec('DETACH DATABASE archive');
    }
    time['archive runs'] += (performance.now() - t0) / 1000;
    runIds.push(ids);
    remaining -= ids.length;
    if (p.chunk_sleep !== null) await ctx.clock.sleepUntil(ctx.clock.now() + p.chunk_sleep * 1000);
    else await new Promise((r) => setImmediate(r)); // yield to the event loop between chunks
  }
  // Ad hoc jobs that no run refers to any more go too (SPEC 6.4).
  const used = db.prepare<[string], number>('SELECT 1 FROM runs WHERE job_id = ? LIMIT 1').pluck();
  for (const { job_id } of store.allJobs())
    if (used.get(job_id) === undefined && ![...engine.runs.ofJob(job_id)].length) {
      store.deleteJob(job_id);
      engine.adHocJobs.delete(job_id);
    }
  yield {
    kind: 'success',
    meta: { 'run count': runIds.flat().length, run_ids: runIds, 'row counts': rows, time },
  };
}

async function* vacuum(engine: Engine): AsyncGenerator<ProgramUpdate> {
  yield { kind: 'running', runState: null, meta: {} };
  // Let the transition above commit first: VACUUM cannot run inside a transaction.
  await new Promise((r) => setImmediate(r));
  const t0 = performance.now();
  try {
    engine.store.flush();
    engine.store.db.exec('VACUUM');
  } catch (e) {
    yield { kind: 'error', message: `vacuum: ${(e as Error).message}`, meta: {} };
    return;
  }
  yield { kind: 'success', meta: { time: (performance.now() - t0) / 1000 } };
}

/** ArchiveProgram runtime over the engine `engineOf()` returns. */
export function archiveRuntime(engineOf: () => Engine): ProgramRuntime {
  return {
    start: (program, ctx) =>
      internal((stopped) => archive(program as ArchiveProgram, ctx, engineOf(), stopped)),
    connect: interrupted,
  };
}

/** VacuumProgram runtime over the engine `engineOf()` returns. */
export function vacuumRuntime(engineOf: () => Engine): ProgramRuntime {
  return { start: () => internal(() => vacuum(engineOf())), connect: interrupted };
}
