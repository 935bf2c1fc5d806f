/**
 * ArchiveProgram and VacuumProgram (SPEC 6.4): internal programs that work on the engine's own database.
 * Each finishes its current unit of work when stopped; an interrupted run is an error at the next start.
 */
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Engine } from '../../engine/engine.js';
import type { SqliteStore } from '../../store/sqlite-store.js';
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

/** What the archive and vacuum programs need: the engine's runs and ad hoc jobs, and its SQLite store. */
export interface InternalHost {
  engine: Engine;
  store: SqliteStore;
}

async function* archive(
  p: ArchiveProgram,
  ctx: ProgramContext,
  { engine, store }: InternalHost,
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

  const cutoff = ctx.clock.now() / 1000 - p.age;
  const runIds: string[][] = [];
  const rows = { runs: 0, run_history: 0, output: 0 };
  const time = { 'get runs': 0, 'archive runs': 0 };
  let remaining = p.count;
  while (remaining > 0 && !stopped()) {
    let t0 = performance.now();
    let ids: string[];
    try {
      ids = store.finishedRunIdsBefore(cutoff, Math.min(remaining, p.chunk_size ?? remaining));
    } catch (e) {
      yield { kind: 'error', message: `archive: ${(e as Error).message}`, meta: {} };
      return;
    }
    time['get runs'] += (performance.now() - t0) / 1000;
    if (ids.length === 0) break;
    t0 = performance.now();
    // Out of memory and out of the live views first (run_delete), then moved in one transaction.
    for (const id of ids) {
      const run = engine.runs.get(id);
      if (run !== undefined) engine.forget(run);
    }
    try {
      const moved = store.archiveRuns(ids, path);
      for (const table of ['runs', 'run_history', 'output'] as const) rows[table] += moved[table];
    } catch (e) {
      yield {
        kind: 'error',
        message: (e as Error).message.startsWith('archive:')
          ? (e as Error).message
          : `archive: ${(e as Error).message}`,
        meta: { 'run count': runIds.flat().length, run_ids: runIds },
      };
      return;
    }
    time['archive runs'] += (performance.now() - t0) / 1000;
    runIds.push(ids);
    remaining -= ids.length;
    if (p.chunk_sleep !== null) await ctx.clock.sleepUntil(ctx.clock.now() + p.chunk_sleep * 1000);
    else await new Promise((r) => setImmediate(r)); // yield to the event loop between chunks
  }
  // Ad hoc jobs that no run refers to any more go too (SPEC 6.4).
  for (const jobId of engine.adHocJobIds())
    if (!store.jobHasRuns(jobId) && engine.runs.ofJob(jobId).size === 0) engine.dropAdHocJob(jobId);
  yield {
    kind: 'success',
    meta: { 'run count': runIds.flat().length, run_ids: runIds, 'row counts': rows, time },
  };
}

async function* vacuum(store: SqliteStore): AsyncGenerator<ProgramUpdate> {
  yield { kind: 'running', runState: null, meta: {} };
  // Let the transition above commit first: VACUUM cannot run inside a transaction.
  await new Promise((r) => setImmediate(r));
  const t0 = performance.now();
  try {
    store.vacuum();
  } catch (e) {
    yield { kind: 'error', message: `vacuum: ${(e as Error).message}`, meta: {} };
    return;
  }
  yield { kind: 'success', meta: { time: (performance.now() - t0) / 1000 } };
}

/** ArchiveProgram runtime over the engine and store `hostOf()` returns. */
export function archiveRuntime(hostOf: () => InternalHost): ProgramRuntime {
  return {
    start: (program, ctx) =>
      internal((stopped) => archive(program as ArchiveProgram, ctx, hostOf(), stopped)),
    connect: interrupted,
  };
}

/** VacuumProgram runtime over the store `hostOf()` returns. */
export function vacuumRuntime(hostOf: () => InternalHost): ProgramRuntime {
  return { start: () => internal(() => vacuum(hostOf().store)), connect: interrupted };
}
