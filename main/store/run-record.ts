/** A run as stored in the `runs` table (SPEC 11.1, 13.2), and its conversion to and from table rows. */
import { isRunState, type RunState } from '../../shared/model/states.js';

/** One row of `runs` with its JSON columns parsed. */
export interface RunRecord {
  /** `r<N>`; N is the row's rowid (SPEC 11.7). */
  run_id: string;
  /** Epoch seconds of the last transition or update. */
  timestamp: number;
  job_id: string;
  args: Record<string, string>;
  state: RunState;
  /** The bound program, or null when binding failed. */
  program: Record<string, unknown> | null;
  /** State name (and `schedule`, `stop`, program times) → ISO time. */
  times: Record<string, string>;
  meta: Record<string, unknown>;
  /** Program data needed to reconnect, or null. */
  run_state: Record<string, unknown> | null;
  conds: unknown[] | null;
  actions: unknown[] | null;
}

/** Column list in the order of RunRow, for SELECTs. */
export const RUN_COLUMNS =
  'run_id, timestamp, job_id, args, state, program, times, meta, run_state, conds, actions';

/** A `runs` row as raw values, in the order of RUN_COLUMNS. */
export type RunRow = [
  run_id: string,
  timestamp: number,
  job_id: string,
  args: string,
  state: string,
  program: string | null,
  times: string,
  meta: string,
  run_state: string | null,
  conds: string | null,
  actions: string | null,
];

const RUN_ID = /^r[1-9][0-9]*$/;

/** The number N of run ID `r<N>`, which is also its rowid; undefined for anything that is not a run ID. */
export function runNumber(runId: string): number | undefined {
  const n = RUN_ID.test(runId) ? Number(runId.slice(1)) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Bind values for the upsert: rowid first, then RUN_COLUMNS. `rowid` saves parsing the run ID when known. */
export function toRow(run: RunRecord, rowid = runNumber(run.run_id)): [number, ...RunRow] {
  if (rowid === undefined) throw new RangeError(`not a run ID: ${JSON.stringify(run.run_id)}`);
  return [
    rowid,
    run.run_id,
    run.timestamp,
    run.job_id,
    JSON.stringify(run.args),
    run.state,
    orNull(run.program),
    JSON.stringify(run.times),
    JSON.stringify(run.meta),
    orNull(run.run_state),
    orNull(run.conds),
    orNull(run.actions),
  ];
}

/** The record of a raw row; the JSON columns are parsed as written by toRow. */
export function fromRow(row: RunRow): RunRecord {
  const [run_id, timestamp, job_id, args, state, program, times, meta, run_state, conds, actions] = row;
  if (!isRunState(state))
    throw new Error(`run ${run_id} has an unknown state ${JSON.stringify(state)} in the database`);
  return {
    run_id,
    timestamp,
    job_id,
    args: parse(args),
    state,
    program: program === null ? null : parse(program),
    times: parse(times),
    meta: parse(meta),
    run_state: run_state === null ? null : parse(run_state),
    conds: parseList(conds),
    actions: parseList(actions),
  };
}

function orNull(value: unknown): string | null {
  return value === null ? null : JSON.stringify(value);
}

/** Trusts the text to have the shape toRow wrote. */
function parse<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** Lists are mostly empty: skip the parser for those. */
function parseList(text: string | null): unknown[] | null {
  if (text === null) return null;
  return text === '[]' ? [] : parse<unknown[]>(text);
}
