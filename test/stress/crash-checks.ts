/**
 * The end-of-scenario checks of the crash stress (crash-scenario.ts), run on the database after the final shutdown.
 * Like the scenario they collect violations through a callback rather than throw, and fill in the report's figures.
 */
import Database from 'better-sqlite3';
import { LAUNCH_LEAD_MS } from '../../main/engine/scheduler.js';
import { isFinished } from '../../shared/model/states.js';
import {
  CATCH_UP_SLACK_MS,
  EXPECTED_ERRORS,
  INTERVAL_MS,
  MARGIN_MS,
  isoOf,
  type CrashReport,
  type Downtime,
  type Seen,
  type Summaries,
} from './crash-fixture.js';

/** What the checks read and where they report violations: the scenario's state, passed explicitly. */
export interface CheckContext {
  report: CrashReport;
  seen: ReadonlyMap<string, Seen>;
  /** The database file. */
  db: string;
  /** When the first engine listened: every interval occurrence from then on must have run. */
  firstListen: number;
  downtimes: readonly Downtime[];
  violation: (message: string) => void;
}

/** After the final shutdown: the database against everything the API reported. */
export function finalChecks(ctx: CheckContext, last: { list: Summaries; at: number }): void {
  const db = new Database(ctx.db, { readonly: true, fileMustExist: true });
  try {
    const ok = db.pragma('integrity_check', { simple: true });
    if (ok !== 'ok') ctx.violation(`end: PRAGMA integrity_check says ${String(ok)}`);
    const rows = db
      .prepare<
        [],
        { run_id: string; job_id: string; args: string; state: string; times: string; meta: string }
      >('SELECT run_id, job_id, args, state, times, meta FROM runs')
      .all();
    const byId = new Map(rows.map((r) => [r.run_id, r]));
    ctx.report.dbRuns = rows.length;
    ctx.report.apiRuns = Object.values(last.list.runs).filter((r) => r.expected !== true).length;
    ctx.report.runsChecked = ctx.seen.size;
    for (const [id, s] of ctx.seen) {
      const row = byId.get(id);
      if (s.lost === true) continue;
      if (row === undefined)
        ctx.violation(`end: ${id} (${s.jobId}, last seen ${s.state}) is not in the database`);
      else if (isFinished(s.state) && row.state !== s.state)
        ctx.violation(`end: ${id} (${s.jobId}) was ${s.state}, the database says ${row.state}`);
    }
    const listed = new Set(
      Object.values(last.list.runs)
        .filter((r) => r.expected !== true)
        .map((r) => r.run_id),
    );
    let lateRows = 0;
    for (const row of rows) {
      ctx.report.finalStates[row.state] = (ctx.report.finalStates[row.state] ?? 0) + 1;
      if (listed.has(row.run_id)) continue;
      // Runs may appear after the last listing: occurrences due since, and runs of actions fired late.
      const times = JSON.parse(row.times) as Record<string, string>;
      if (
        Date.parse(times['new'] ?? '') >= last.at - MARGIN_MS ||
        (row.job_id === 'tick' && Date.parse(times['schedule'] ?? '') >= last.at - INTERVAL_MS)
      )
        lateRows += 1;
      else
        ctx.violation(
          `end: ${row.run_id} (${row.job_id}, ${row.state}) is in the database, not in the last listing`,
        );
    }
    if (rows.length !== ctx.report.apiRuns + lateRows)
      ctx.violation(
        `end: the runs table has ${rows.length} rows; the API listed ${ctx.report.apiRuns} runs, ` +
          `${lateRows} more started since`,
      );
    checkErrors(ctx, db, byId);
    checkTicks(ctx, rows, last.at);
    checkActions(ctx, rows);
  } finally {
    db.close();
  }
}

/** Runs in error ended so for a reason a crash explains (SPEC 12.3) or the job asks for, never `program lost`. */
export function checkErrors(
  ctx: CheckContext,
  db: Database.Database,
  byId: Map<string, { job_id: string; state: string }>,
): void {
  const history = db
    .prepare<[], { run_id: string; message: string }>(
      'SELECT run_id, message FROM run_history ORDER BY run_id, timestamp, rowid',
    )
    .all();
  const logs = new Map<string, string[]>();
  for (const h of history) logs.set(h.run_id, [...(logs.get(h.run_id) ?? []), h.message]);
  for (const [id, row] of byId) {
    if (row.state !== 'error') continue;
    // `error: REASON`, or a bare `error` after the condition's own message (SPEC 11.5).
    const log = logs.get(id) ?? [];
    const at = log.lastIndexOf('error');
    const reason =
      log.findLast((m) => m.startsWith('error: '))?.slice('error: '.length) ??
      (at > 0 ? log[at - 1] : undefined) ??
      '(no reason logged)';
    const key = reason.replace(/\(k=\d\)/, '(k=K)');
    ctx.report.errorReasons[key] = (ctx.report.errorReasons[key] ?? 0) + 1;
    if (!EXPECTED_ERRORS.some((re) => re.test(reason)))
      ctx.violation(`end: ${id} (${row.job_id}) ended in error: ${reason}`);
  }
}

/**
 * Each interval occurrence ran exactly once, its process not before its time (its launch begun at most
 * LAUNCH_LEAD_MS ahead); those due while down were caught up at once (SPEC 12.2).
 */
export function checkTicks(
  ctx: CheckContext,
  rows: { run_id: string; job_id: string; args: string; times: string; meta: string }[],
  end: number,
): void {
  const byTime = new Map<number, { runId: string; starting: number; exec: number | null }[]>();
  for (const row of rows) {
    if (row.job_id !== 'tick') continue;
    const time = Date.parse((JSON.parse(row.args) as { time: string }).time);
    const starting = Date.parse((JSON.parse(row.times) as Record<string, string>)['starting'] ?? '');
    const started = (JSON.parse(row.meta) as { program?: { start_time?: string } }).program?.start_time;
    const exec = started === undefined ? null : Date.parse(started);
    byTime.set(time, [...(byTime.get(time) ?? []), { runId: row.run_id, starting, exec }]);
  }
  ctx.report.ticks = byTime.size;
  for (const [time, runs] of byTime) {
    const iso = new Date(time).toISOString();
    if (runs.length > 1)
      ctx.violation(`tick ${iso} ran ${runs.length} times: ${runs.map((r) => r.runId).join(', ')}`);
    for (const r of runs) {
      if (r.exec !== null && r.exec < time)
        ctx.violation(`tick ${iso}: ${r.runId}'s process started early, at ${isoOf(r.exec)}`);
      if (r.starting < time - LAUNCH_LEAD_MS)
        ctx.violation(`tick ${iso}: ${r.runId} began its launch too early, at ${isoOf(r.starting)}`);
    }
  }
  // Every occurrence from the first start to the end ran; the caught-up ones soon after their restart.
  const first = Math.ceil(ctx.firstListen / INTERVAL_MS) * INTERVAL_MS;
  for (let t = first; t < end - INTERVAL_MS; t += INTERVAL_MS)
    if (!byTime.has(t)) ctx.violation(`tick ${new Date(t).toISOString()} never ran`);
  const caughtUp = new Set<number>();
  for (const d of ctx.downtimes) {
    let due = 0;
    let ran = 0;
    for (let t = Math.ceil(d.killAt / INTERVAL_MS) * INTERVAL_MS; t < d.spawnedAt; t += INTERVAL_MS) {
      due += 1;
      caughtUp.add(t);
      const runs = byTime.get(t) ?? [];
      if (runs.length > 0) ran += 1;
      for (const r of runs)
        if (
          // Begun ahead of its time before the kill (LAUNCH_LEAD_MS), or caught up at once after the restart.
          !(r.starting < d.killAt && r.starting >= t - LAUNCH_LEAD_MS) &&
          !(r.starting >= d.spawnedAt && r.starting <= d.listeningAt + CATCH_UP_SLACK_MS)
        )
          ctx.violation(
            `tick ${isoOf(t)}: ${r.runId} due while down was started at ${isoOf(r.starting)}, ` +
              `not at once after the restart at ${isoOf(d.spawnedAt)}`,
          );
    }
    ctx.report.catchUp.push({ downtimeMs: d.spawnedAt - d.killAt, due, ran });
  }
  // Lateness of the others, leaving out those due before a restart was listening and started by it.
  for (const [time, runs] of byTime)
    for (const r of runs)
      if (
        !caughtUp.has(time) &&
        !ctx.downtimes.some((d) => time < d.listeningAt && r.starting >= d.spawnedAt)
      )
        ctx.report.maxTickLatenessMs = Math.max(ctx.report.maxTickLatenessMs, (r.exec ?? r.starting) - time);
}

/**
 * An action is performed exactly once per transition, whatever the kills (SPEC 19.8: recorded in the commit of its
 * transition, performed after, forgotten in the commit of its effect): as many `after` runs as `chain` successes and
 * as many `notify` runs as `chain` failures, per instance.
 */
export function checkActions(
  ctx: CheckContext,
  rows: { job_id: string; args: string; state: string }[],
): void {
  const count = (job: string, states: string[] | null): Map<string, number> => {
    const m = new Map<string, number>();
    for (const r of rows)
      if (r.job_id === job && (states === null || states.includes(r.state)))
        m.set(r.args, (m.get(r.args) ?? 0) + 1);
    return m;
  };
  const pairs: [Map<string, number>, Map<string, number>, string][] = [
    [count('chain', ['success']), count('after', null), 'after'],
    [count('chain', ['failure', 'error']), count('notify', null), 'notify'],
  ];
  for (const [triggers, made, job] of pairs) {
    for (const [args, n] of made)
      if (n > (triggers.get(args) ?? 0))
        ctx.violation(`actions: ${n} ${job} runs for ${args}, from ${triggers.get(args) ?? 0} chain runs`);
    for (const [args, n] of triggers) {
      const lost = Math.max(0, n - (made.get(args) ?? 0));
      ctx.report.actionsLost += lost;
      if (lost > 0) ctx.violation(`actions: ${lost} of ${n} ${job} runs for ${args} never made`);
    }
  }
}
