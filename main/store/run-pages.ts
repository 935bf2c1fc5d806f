/** Reads of many stored runs at once: rows made into runs, and the paged walk by time (runsSincePage). */
import type { RunState } from '../../shared/model/states.js';
import { fromRow, runNumber, type RunRecord, type RunRow } from './run-record.js';
import type { Statements } from './statements.js';

/** Where a page of runsSincePage starts: after this (timestamp, run number). */
export interface PageCursor {
  timestamp: number;
  rowid: number;
}

/** The runs of these rows, in their order. */
export function collect(rows: Iterable<RunRow>): RunRecord[] {
  const runs: RunRecord[] = [];
  for (const row of rows) runs.push(fromRow(row));
  return runs;
}

/** See SqliteStore.runsSincePage. */
export function runsSincePage(
  q: Statements,
  options: { since: number; before: number; state: RunState | null },
  cursor: PageCursor | null,
  limit: number,
): { runs: RunRecord[]; next: PageCursor | null } {
  const statement =
    options.state === 'failure' ? q.failuresPage : options.state === 'error' ? q.errorsPage : q.runsPage;
  const from = cursor ?? { timestamp: options.since, rowid: 0 };
  const runs: RunRecord[] = [];
  let last: PageCursor | null = null;
  let rows = 0;
  for (const row of statement.iterate(from.timestamp, from.rowid, options.before, limit)) {
    const run = fromRow(row);
    rows += 1;
    last = { timestamp: run.timestamp, rowid: runNumber(run.run_id) ?? 0 };
    if (options.state === null || run.state === options.state) runs.push(run);
  }
  return { runs, next: rows < limit ? null : last };
}
