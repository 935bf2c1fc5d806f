/**
 * One row of Apsis's `runs` table to one row of ours (SPEC 13.2, 18.6): IDs, states, times, args and meta kept as
 * they were; programs, conditions and actions mapped to ours; runs Apsis was running end in error; what cannot be
 * carried over is said in notes, and a row that cannot be read at all is a problem.
 */
import { isFinished, isRunState, type RunState } from '../../shared/model/states.js';
import { runNumber } from '../store/run-record.js';
import { mapProgram } from './apsis-programs.js';
import { mapAction, mapCondition } from './apsis-conditions.js';
import { describe, isObject, type Mapped } from './fields.js';

/** The message of runs Apsis was running: their processes belong to Apsis's agent (SPEC 18.6). */
export const RUNNING_MESSAGE = 'imported from Apsis while running; its process is not followed';

/** The columns read from Apsis's `runs`, in this order (missing optional columns read as NULL). */
export const SOURCE_RUN_COLUMNS = [
  'rowid',
  'run_id',
  'timestamp',
  'job_id',
  'args',
  'state',
  'program',
  'times',
  // SQLite checks meta, the largest column, so JS does not parse a million of them: 'object' or null.
  "CASE WHEN typeof(meta) = 'text' AND json_valid(meta) THEN json_type(meta) END",
  'meta',
  'run_state',
  'conds',
  'actions',
  'message',
  'rerun',
] as const;

/** Our `runs` row: rowid, then RUN_COLUMNS (store/run-record.ts). */
export type TargetRun = [
  rowid: number,
  run_id: string,
  timestamp: number,
  job_id: string,
  args: string,
  state: RunState,
  program: string | null,
  times: string,
  meta: string,
  run_state: string | null,
  conds: string | null,
  actions: string | null,
];

/** What happened to a run on its way over that the user must hear about. */
export type NoteKind = 'running' | 'cannot-run' | 'program' | 'condition' | 'action' | 'message' | 'rerun';

export interface RunNote {
  kind: NoteKind;
  detail: string;
}

export type ConvertedRun =
  | { ok: true; row: TargetRun; apsisState: RunState; notes: RunNote[]; error: string | null }
  | { ok: false; runId: string; problem: string };

/** An instant as Apsis writes it (`2026-12-02T04:23:35.18950191+00:00`) or as we do (`...35.189Z`). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const UNFOLLOWED: readonly RunState[] = ['starting', 'running', 'stopping'];
const CACHE_LIMIT = 10_000;

/** Converts rows one by one; equal program, condition and action texts (most of them) are mapped once. */
export class RunConverter {
  private readonly programs = new Map<string, Mapped<string | null>>();
  private readonly conds = new Map<string, Parsed>();
  private readonly actions = new Map<string, Parsed>();

  /** `now`: epoch ms of the import, the time of the error transitions it makes. */
  constructor(private readonly now: number) {}

  convert(source: readonly unknown[]): ConvertedRun {
    const [rowid, runId, timestamp, jobId, args, state, program, times, metaType, meta, runState] = source;
    const [, , , , , , , , , , , condsText, actionsText, message, rerun] = source;
    const id = typeof runId === 'string' ? runId : `rowid ${String(rowid)}`;
    const fail = (problem: string): ConvertedRun => ({ ok: false, runId: id, problem });
    const number = typeof runId === 'string' ? runNumber(runId) : undefined;
    if (typeof runId !== 'string' || number === undefined || number !== rowid)
      return fail(`run_id ${describe(runId)} is not r<rowid> (rowid ${String(rowid)})`);
    if (typeof timestamp !== 'number' || !Number.isFinite(timestamp))
      return fail(`timestamp is ${describe(timestamp)}, not a number`);
    if (typeof jobId !== 'string' || jobId === '') return fail(`job_id is ${describe(jobId)}`);
    if (!isRunState(state)) return fail(`state is ${describe(state)}, not a run state`);
    if (metaType !== 'object' || typeof meta !== 'string') return fail('meta is not a JSON object');
    const argsText = sortedArgs(args);
    if (argsText === null) return fail('args is not a JSON object of strings');
    const timesObject = parseTimes(times);
    if (typeof timesObject === 'string') return fail(timesObject);
    const runStateText = parseRunState(runState);
    if (runStateText === undefined) return fail('run_state is not null or a JSON object');
    const mappedProgram = this.program(program);
    if (mappedProgram === undefined) return fail('program is not null or a JSON object');
    const conds = cached(this.conds, condsText, mapCondition);
    if (conds === undefined) return fail('conds is not null or a JSON list');
    const actions = cached(this.actions, actionsText, mapAction);
    if (actions === undefined) return fail('actions is not null or a JSON list');

    const notes: RunNote[] = [];
    let error: string | null = null;
    let programText: string | null = null;
    if (mappedProgram.ok) programText = mappedProgram.value;
    else if (isFinished(state) || UNFOLLOWED.includes(state))
      notes.push({ kind: 'program', detail: mappedProgram.reason });
    else error = `imported from Apsis: it cannot run in Apsis Console: ${mappedProgram.reason}`;
    if (conds.dropped.length > 0) {
      if (isFinished(state) || UNFOLLOWED.includes(state) || error !== null)
        notes.push({ kind: 'condition', detail: conds.dropped.join('; ') });
      else error = `imported from Apsis: it cannot run in Apsis Console: ${conds.dropped.join('; ')}`;
    }
    if (actions.dropped.length > 0) notes.push({ kind: 'action', detail: actions.dropped.join('; ') });
    if (error !== null) notes.push({ kind: 'cannot-run', detail: error });
    if (UNFOLLOWED.includes(state)) {
      error = RUNNING_MESSAGE;
      notes.push({ kind: 'running', detail: `was ${state}` });
    }
    if (typeof message === 'string' && message !== '') notes.push({ kind: 'message', detail: message });
    if (typeof rerun === 'string' && rerun !== '') notes.push({ kind: 'rerun', detail: `rerun of ${rerun}` });

    const row: TargetRun = [
      number,
      runId,
      timestamp,
      jobId,
      argsText,
      state,
      programText,
      times as string,
      meta,
      runStateText,
      conds.text,
      actions.text,
    ];
    if (error !== null) {
      const at = new Date(this.now).toISOString();
      row[2] = this.now / 1000;
      row[5] = 'error';
      row[7] = JSON.stringify({ ...timesObject, error: at });
      row[9] = null;
    }
    return { ok: true, row, apsisState: state, notes, error };
  }

  /** Our program JSON text, the reason there is none, or undefined for a value that is not a program at all. */
  private program(text: unknown): Mapped<string | null> | undefined {
    if (text === null || text === 'null') return { ok: true, value: null };
    if (typeof text !== 'string') return undefined;
    let mapped = this.programs.get(text);
    if (mapped === undefined) {
      const jso = parseJson(text);
      if (!isObject(jso)) return undefined;
      const program = mapProgram(jso);
      mapped = program.ok ? { ok: true, value: JSON.stringify(program.value) } : program;
      if (this.programs.size >= CACHE_LIMIT) this.programs.clear();
      this.programs.set(text, mapped);
    }
    return mapped;
  }
}

/** A list column mapped: our JSON text (null when Apsis had null) and the reasons of the items left out. */
interface Parsed {
  text: string | null;
  dropped: string[];
}

function cached(
  cache: Map<string, Parsed>,
  text: unknown,
  map: (jso: unknown) => Mapped<unknown>,
): Parsed | undefined {
  if (text === null || text === 'null') return { text: null, dropped: [] };
  if (typeof text !== 'string') return undefined;
  let parsed = cache.get(text);
  if (parsed === undefined) {
    const list = parseJson(text);
    if (!Array.isArray(list)) return undefined;
    const kept: unknown[] = [];
    const dropped: string[] = [];
    for (const item of list) {
      const mapped = map(item);
      if (mapped.ok) kept.push(mapped.value);
      else dropped.push(mapped.reason);
    }
    parsed = { text: JSON.stringify(kept), dropped };
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(text, parsed);
  }
  return parsed;
}

/** Args as our JSON text (keys sorted, SPEC 11.1), or null when they are not an object of strings. */
function sortedArgs(text: unknown): string | null {
  if (text === '{}') return text;
  const args = typeof text === 'string' ? parseJson(text) : undefined;
  if (!isObject(args)) return null;
  const out: Record<string, string> = {};
  for (const key of Object.keys(args).sort()) {
    const value = args[key];
    if (typeof value !== 'string') return null;
    out[key] = value;
  }
  return JSON.stringify(out);
}

/** The times object, or a problem. */
function parseTimes(text: unknown): Record<string, string> | string {
  const times = typeof text === 'string' ? parseJson(text) : undefined;
  if (!isObject(times)) return 'times is not a JSON object';
  for (const [key, value] of Object.entries(times))
    if (typeof value !== 'string' || !ISO_INSTANT.test(value) || !Number.isFinite(Date.parse(value)))
      return `times.${key} is ${describe(value)}, not an ISO time with an offset`;
  return times as Record<string, string>;
}

/** Our run_state text: null for Apsis's `null`; undefined when it is not an object. */
function parseRunState(text: unknown): string | null | undefined {
  if (text === null || text === 'null') return null;
  return typeof text === 'string' && isObject(parseJson(text)) ? text : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
