// Operations on runs (SPEC 11.4) and the transitions they may make (SPEC 11.2), with a fake clock.
import { afterEach, describe, expect, it } from 'vitest';
import { OperationError } from '../../main/engine/errors.js';
import type { Run } from '../../main/engine/run.js';
import { FakeClock, settle } from '../helpers/fake-clock.js';
import { logOf, openApp, waitFor, type Harness } from './harness.js';

const T0 = Date.parse('2024-06-03T12:00:00Z');

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The refusal's message; fails the test when `fn` does not throw an OperationError. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OperationError);
    return (e as Error).message;
  }
  throw new Error('the operation was not refused');
}

describe('operations', () => {
  it('AC-8 skip, skip again refused; mark success, again refused; mark running refused', async () => {
    const clock = new FakeClock(T0);
    h = openApp({ 'noop.yaml': 'program: {type: no-op}\n' }, { clock });
    const engine = h.app.engine;
    const run = engine.createRun('noop', {}, { time: T0 + 60_000 });
    expect(run.state).toBe('scheduled');
    expect(logOf(h.app, run.runId)).toEqual([`scheduled: ${new Date(T0 + 60_000).toISOString()}`]);

    engine.skipRun(run.runId);
    expect(run.state).toBe('skipped');
    expect(refusal(() => engine.skipRun(run.runId))).toBe(`can't skip ${run.runId} in state skipped`);

    engine.markRun(run.runId, 'success');
    expect(run.state).toBe('success');
    expect(refusal(() => engine.markRun(run.runId, 'success'))).toMatch(/already in state success/);
    expect(refusal(() => engine.markRun(run.runId, 'running'))).toMatch(/not a finished state/);
    expect(run.state).toBe('success');
    expect(logOf(h.app, run.runId).slice(1)).toEqual(['skipped', 'marked as success', 'success']);
    expect(engine.store.getRun(run.runId)?.state).toBe('success');

    // The skipped run stays skipped when its schedule time comes.
    await clock.advance(120_000);
    expect(run.state).toBe('success');
  });

  it('AC-8 a const:false run: start → waiting; start again → runs and succeeds', async () => {
    const clock = new FakeClock(T0);
    h = openApp(
      { 'never.yaml': 'program: {type: no-op}\ncondition: {type: const, value: false}\n' },
      { clock },
    );
    const engine = h.app.engine;
    const run = engine.createRun('never', {}, { time: T0 + 60_000 });
    expect(run.state).toBe('scheduled');
    engine.startRun(run.runId);
    expect(run.state).toBe('waiting');
    await clock.advance(10_000);
    expect(run.state).toBe('waiting');
    engine.startRun(run.runId);
    await waitFor(h.app, run, 'success');
    expect(logOf(h.app, run.runId)).toEqual([
      `scheduled: ${new Date(T0 + 60_000).toISOString()}`,
      'scheduled run started by override',
      'waiting',
      'waiting until: false',
      'waiting run started by override',
      'starting',
      'running',
      'success',
    ]);
    // It left the due queue: the schedule time passing does not start it again.
    await clock.advance(120_000);
    expect(run.state).toBe('success');
    expect(h.app.scheduler.stats().num_entries).toBe(0);
  });

  it('operations refused in the wrong states name the run and its state', async () => {
    const clock = new FakeClock(T0);
    h = openApp(
      {
        'noop.yaml': 'program: {type: no-op}\n',
        'long.yaml': 'program: {type: no-op, duration: 100}\n',
      },
      { clock },
    );
    const engine = h.app.engine;
    const scheduled = engine.createRun('noop', {}, { time: T0 + 60_000 });
    const running = engine.createRun('long', {});
    await waitFor(h.app, running, 'running');
    const done = engine.createRun('noop', {});
    await waitFor(h.app, done, 'success');
    const id = (r: Run): string => r.runId;

    // start: scheduled and waiting only.
    expect(refusal(() => engine.startRun(id(running)))).toBe(`can't start ${id(running)} in state running`);
    expect(refusal(() => engine.startRun(id(done)))).toBe(`can't start ${id(done)} in state success`);
    // skip: scheduled and waiting only.
    expect(refusal(() => engine.skipRun(id(running)))).toBe(`can't skip ${id(running)} in state running`);
    // stop: running only (stopping is a no-op).
    expect(refusal(() => engine.stopRun(id(scheduled)))).toBe(
      `can't stop ${id(scheduled)}: run is scheduled`,
    );
    expect(refusal(() => engine.stopRun(id(done)))).toBe(`can't stop ${id(done)}: run is success`);
    // signal: running or stopping; unknown signals refused; a no-op has no process.
    expect(refusal(() => engine.signalRun(id(scheduled), 'TERM'))).toMatch(/run is scheduled/);
    expect(refusal(() => engine.signalRun(id(running), 'SIGNOPE'))).toBe('unknown signal SIGNOPE');
    expect(refusal(() => engine.signalRun(id(running), 'TERM'))).toMatch(/not a process/);
    expect(logOf(h.app, id(running))).toEqual(['scheduled: now', 'starting', 'running']);
    // mark: finished runs only, to another finished state.
    expect(refusal(() => engine.markRun(id(running), 'failure'))).toMatch(/run is running, not finished/);
    expect(refusal(() => engine.markRun(id(scheduled), 'failure'))).toMatch(/run is scheduled, not finished/);
    expect(refusal(() => engine.markRun(id(done), 'scheduled'))).toMatch(/not a finished state/);
    // Nothing refused changed anything.
    expect([scheduled.state, running.state, done.state]).toEqual(['scheduled', 'running', 'success']);

    // Stopping a stopping run is a no-op; a stopped no-op succeeds.
    engine.stopRun(id(running));
    expect(running.state).toBe('stopping');
    engine.stopRun(id(running));
    await waitFor(h.app, running, 'success');
    expect(logOf(h.app, id(running)).slice(-2)).toEqual(['stopping', 'success']);

    // Transitions outside the table are refused by the engine itself.
    expect(refusal(() => engine.transition(done, 'running'))).toBe(
      `can't move ${id(done)} from success to running`,
    );
    expect(refusal(() => engine.transition(scheduled, 'running'))).toMatch(/from scheduled to running/);
    expect(refusal(() => engine.transition(scheduled, 'success'))).toMatch(/from scheduled to success/);
    expect(refusal(() => engine.transition(done, 'skipped'))).toMatch(/from success to skipped/);
    // Marks are forced: any finished state to any other, and the mark fires no new program.
    for (const to of ['failure', 'error', 'skipped', 'success'] as const) {
      engine.markRun(id(done), to);
      expect(done.state).toBe(to);
    }
    await settle();
    expect(engine.store.getRun(id(done))?.state).toBe('success');
  });

  it('AC-7 a no-op for now: times, run log from `scheduled: now` to `success`, persisted', async () => {
    h = openApp({ 'noop.yaml': 'program: {type: no-op}\n' });
    const run = h.app.engine.createRun('noop', {});
    expect(['starting', 'running', 'success']).toContain(run.state);
    await waitFor(h.app, run, 'success');
    expect(Object.keys(run.times)).toEqual(
      expect.arrayContaining(['schedule', 'scheduled', 'starting', 'running', 'success']),
    );
    expect(run.times['waiting']).toBeUndefined();
    const log = logOf(h.app, run.runId);
    expect(log[0]).toBe('scheduled: now');
    expect(log.at(-1)).toBe('success');
    const stored = h.app.engine.store.getRun(run.runId);
    expect(stored?.state).toBe('success');
    expect(Object.keys(stored?.times ?? {})).not.toContain('waiting');
    expect(h.app.engine.full(run).meta['elapsed']).toBeGreaterThanOrEqual(0);
  });

  it('rerun of a run whose job is gone is refused', async () => {
    h = openApp({ 'noop.yaml': 'program: {type: no-op}\n' });
    const run = h.app.engine.createRun('noop', {});
    await waitFor(h.app, run, 'success');
    h.app.engine.applyLoad({ set: [], removed: ['noop'], failed: new Set(), problems: [] });
    expect(refusal(() => h?.app.engine.rerun(run.runId))).toBe(
      `can't rerun ${run.runId}: job noop no longer exists`,
    );
  });
});
