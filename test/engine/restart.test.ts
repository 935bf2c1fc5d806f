// Restart recovery and catch-up (SPEC 12.2, 12.3): the same database opened again by a new engine.
import { FINISHED_STATES } from '../../shared/model/states.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { Run } from '../../main/engine/run.js';
import { FakeClock, settle } from '../helpers/fake-clock.js';
import { logOf, openApp, waitFor, type Harness } from './harness.js';

const T0 = Date.parse('2024-06-03T12:00:00Z');

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The run with this ID in the current engine. */
function current(runId: string): Run {
  const run = h?.app.engine.runs.get(runId);
  if (run === undefined) throw new Error(`no run ${runId} after restart`);
  return run;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('restart', () => {
  it('AC-16a running no-op and shell runs survive a restart and finish in success', async () => {
    h = openApp({
      'nap.yaml': 'params: [i]\nprogram: {type: no-op, duration: 1.5}\n',
      'sh.yaml': 'params: [i]\nprogram: echo "start {{ i }}"; sleep 1.5; echo "end {{ i }}"\n',
    });
    const runs: Run[] = [];
    for (let i = 0; i < 4; i += 1) {
      runs.push(h.app.engine.createRun('nap', { i: String(i) }));
      runs.push(h.app.engine.createRun('sh', { i: String(i) }));
    }
    const before = h.app;
    await Promise.all(runs.map((r) => waitFor(before, r, 'running')));
    await sleep(200); // the shell runs write their first line
    const app = await h.reopen();
    const after = runs.map((r) => current(r.runId));
    expect(after.map((r) => r.state)).toEqual(Array(8).fill('running'));
    for (const r of after) expect(logOf(h.app, r.runId)).toContain('reconnecting');
    await Promise.all(after.map((r) => waitFor(app, r, FINISHED_STATES, 5000)));
    expect(after.map((r) => r.state)).toEqual(Array(8).fill('success'));
    for (const r of after.filter((r) => r.jobId === 'sh'))
      expect(h.app.engine.store.readOutput(r.runId, 'output')?.data.toString()).toBe(
        `start ${r.args['i']}\nend ${r.args['i']}\n`,
      );
    // A no-op resumes its remaining duration: it ends about 1.5 s after it started running, not after the restart.
    for (const r of after.filter((r) => r.jobId === 'nap'))
      expect(h.app.engine.full(r).meta['elapsed']).toBeLessThan(2.5);
  });

  it('a process that finished while the engine was down ends with its outcome and whole output', async () => {
    h = openApp({ 'brief.yaml': 'program: echo one; sleep 0.3; echo two; exit 3\n' });
    const run = h.app.engine.createRun('brief', {});
    await waitFor(h.app, run, 'running');
    await h.reopen(undefined, () => sleep(800));
    const after = current(run.runId);
    await waitFor(h.app, after, FINISHED_STATES, 3000);
    expect(after.state).toBe('failure');
    expect((h.app.engine.full(after).meta['program'] as { return_code: number }).return_code).toBe(3);
    expect(h.app.engine.store.readOutput(run.runId, 'output')?.data.toString()).toBe('one\ntwo\n');
    expect(logOf(h.app, run.runId).slice(-2)).toEqual([
      'reconnecting',
      'failure: program failed: exit code 3',
    ]);
  });

  it('AC-16b a run left starting at shutdown becomes error `restored starting: might have started`', async () => {
    h = openApp({ 'quick.yaml': 'program: "true"\n' });
    const run = h.app.engine.createRun('quick', {});
    expect(run.state).toBe('starting');
    await h.reopen();
    const after = current(run.runId);
    expect(after.state).toBe('error');
    const log = logOf(h.app, run.runId);
    expect(log.slice(-2)).toEqual([
      'restored starting: might have started',
      'error: restored starting: might have started',
    ]);
  });

  it('AC-16c catch-up: 5 minutes down with an interval-60 job → 5 runs start at once; future runs get new IDs', async () => {
    const clock = new FakeClock(T0);
    const files = { 'tick.yaml': 'program: {type: no-op}\nschedule: {type: interval, interval: 60s}\n' };
    h = openApp(files, { clock, settings: (s) => (s.schedule.horizon = 600) });
    // The occurrence at T0 itself runs at once; the next 9 wait.
    const before = [...h.app.engine.runs.ofJob('tick')].filter((r) => r.expected);
    expect(before.map((r) => r.times['schedule'])).toEqual(
      Array.from({ length: 9 }, (_, i) => T0 + (i + 1) * 60_000),
    );
    await clock.advance(30_000);
    const oldIds = new Set(before.map((r) => r.runId));

    const later = new FakeClock(T0 + 330_000);
    await h.reopen(later);
    await settle();
    const runs = [...h.app.engine.runs.ofJob('tick')];
    const started = runs.filter((r) => !r.expected && (r.times['schedule'] ?? 0) > T0);
    expect(started.map((r) => new Date(r.times['schedule'] ?? 0).toISOString())).toEqual(
      [60, 120, 180, 240, 300].map((s) => new Date(T0 + s * 1000).toISOString()),
    );
    expect(started.every((r) => r.state === 'success' && (r.times['starting'] ?? 0) === T0 + 330_000)).toBe(
      true,
    );
    const future = runs.filter((r) => r.expected);
    expect(future.map((r) => r.times['schedule'])).toEqual(
      Array.from({ length: 10 }, (_, i) => T0 + 360_000 + i * 60_000),
    );
    for (const r of runs) expect(oldIds.has(r.runId)).toBe(false);
  });

  it('an occurrence started at the instant of shutdown is not run again after restart', async () => {
    const clock = new FakeClock(T0);
    h = openApp(
      { 'tick.yaml': 'program: {type: no-op}\nschedule: {type: interval, interval: 60s}\n' },
      { clock },
    );
    await clock.advance(60_000); // the 12:01 run starts, and the engine shuts down in that same instant
    await h.reopen(new FakeClock(T0 + 90_000));
    await settle();
    const started = [...h.app.engine.runs.ofJob('tick')].filter((r) => !r.expected);
    expect(started.map((r) => r.times['schedule'])).toEqual([T0, T0 + 60_000]);
    expect(started.every((r) => r.state === 'success')).toBe(true);
  });

  it('AC-16c with schedule.since now, missed runs are not run', async () => {
    const clock = new FakeClock(T0);
    const files = { 'tick.yaml': 'program: {type: no-op}\nschedule: {type: interval, interval: 60s}\n' };
    h = openApp(files, { clock });
    await clock.advance(30_000);
    // The harness reopens with the same settings object.
    h.app.engine.deps.settings.schedule.since = 'now';
    await h.reopen(new FakeClock(T0 + 330_000));
    await settle();
    const runs = [...h.app.engine.runs.ofJob('tick')];
    expect(runs.filter((r) => !r.expected).map((r) => r.times['schedule'])).toEqual([T0]);
    expect(Math.min(...runs.filter((r) => r.expected).map((r) => r.times['schedule'] ?? 0))).toBe(
      T0 + 360_000,
    );
  });

  it('AC-16d a future API run keeps its run ID and starts when due', async () => {
    const clock = new FakeClock(T0);
    h = openApp({ 'later.yaml': 'program: {type: no-op}\n' }, { clock });
    const run = h.app.engine.createRun('later', {}, { time: T0 + 3_600_000 });
    expect(run.expected).toBe(false);
    const later = new FakeClock(T0 + 60_000);
    await h.reopen(later);
    const after = current(run.runId);
    expect(after.state).toBe('scheduled');
    expect(after.times['schedule']).toBe(T0 + 3_600_000);
    expect(logOf(h.app, run.runId)).toEqual([
      `scheduled: ${new Date(T0 + 3_600_000).toISOString()}`,
      'restored',
    ]);
    await later.advance(3_600_000);
    expect(after.state).toBe('success');
  });

  it('AC-16e a run stopping at shutdown resumes stopping: success when the stop signal kills it', async () => {
    h = openApp({
      // On SIGTERM: 1.5 s of cleanup, then die by SIGTERM (the stop signal).
      'slow.yaml':
        'program: {type: shell, command: "trap \'sleep 1.5; trap - TERM; kill -TERM $$\' TERM; sleep 30 & wait", stop: {grace_period: 20}}\n',
    });
    const run = h.app.engine.createRun('slow', {});
    await waitFor(h.app, run, 'running');
    await sleep(200);
    h.app.engine.stopRun(run.runId);
    expect(run.state).toBe('stopping');
    await h.reopen();
    const after = current(run.runId);
    expect(after.state).toBe('stopping');
    await waitFor(h.app, after, FINISHED_STATES, 5000);
    expect(after.state).toBe('success');
    expect((h.app.engine.full(after).meta['program'] as { signal: string | null }).signal).toBe('SIGTERM');
    expect(logOf(h.app, run.runId).slice(-3)).toEqual(['sending SIGTERM', 'reconnecting', 'success']);
  });

  it('AC-16e a run stopping at shutdown whose grace period ran out gets SIGKILL at once after restart', async () => {
    h = openApp({
      'stubborn.yaml':
        'program: {type: shell, command: "trap \'\' TERM; sleep 30", stop: {grace_period: 1}}\n',
    });
    const run = h.app.engine.createRun('stubborn', {});
    await waitFor(h.app, run, 'running');
    await sleep(200);
    h.app.engine.stopRun(run.runId);
    await h.reopen(undefined, () => sleep(1200)); // the grace period ends while the engine is down
    const after = current(run.runId);
    await waitFor(h.app, after, FINISHED_STATES, 3000);
    expect(after.state).toBe('failure');
    expect(
      (h.app.engine.full(after).meta['program'] as { stop: { signals: string[] } }).stop.signals,
    ).toEqual(['SIGTERM', 'SIGKILL']);
    expect(logOf(h.app, run.runId).slice(-3)).toEqual([
      'reconnecting',
      'sending SIGKILL after grace period of 1 s',
      'failure: program failed: killed by SIGKILL',
    ]);
  });

  it('AC-14 across a restart, waiting.max_time counts from the original times.waiting', async () => {
    const clock = new FakeClock(T0);
    h = openApp(
      { 'never.yaml': 'program: {type: no-op}\ncondition: {type: const, value: false}\n' },
      { clock, settings: (s) => (s.waiting.max_time = 0.5) },
    );
    const run = h.app.engine.createRun('never', {});
    await clock.advance(300);
    const later = new FakeClock(T0 + 300);
    await h.reopen(later);
    const after = current(run.runId);
    expect(after.state).toBe('waiting');
    expect(logOf(h.app, run.runId)).toContain('restored');
    await later.advance(199);
    expect(after.state).toBe('waiting');
    await later.advance(1);
    expect(after.state).toBe('error');
    expect(after.times['error']).toBe(T0 + 500);
    expect(logOf(h.app, run.runId).at(-1)).toBe('error: waiting for false: timeout after 0.5 s');

    // A restart after the limit has passed ends the wait at once.
    const other = h.app.engine.createRun('never', {});
    await h.reopen(new FakeClock(T0 + 10_000));
    await settle();
    expect(current(other.runId).state).toBe('error');
  });

  it('a running run with a stop time is still stopped at that time after a restart', async () => {
    const clock = new FakeClock(T0);
    h = openApp({ 'long.yaml': 'program: {type: no-op, duration: 10}\n' }, { clock });
    const run = h.app.engine.createRun('long', {}, { stop: T0 + 2000 });
    await settle();
    expect(run.state).toBe('running');
    await clock.advance(1000);
    const later = new FakeClock(T0 + 1000);
    await h.reopen(later);
    const after = current(run.runId);
    expect(after.state).toBe('running');
    await later.advance(1000);
    expect(after.state).toBe('success');
    expect(after.times['stopping']).toBe(T0 + 2000);
  });
});
