// A process run with nothing to decide at its schedule time begins its launch LAUNCH_LEAD_MS ahead, and its process
// execs at the schedule time itself (docs/decisions.md, "Launches begin 50 ms ahead").
import { afterEach, describe, expect, it } from 'vitest';
import { LAUNCH_LEAD_MS } from '../../main/engine/scheduler.js';
import type { Run } from '../../main/engine/run.js';
import { FakeClock, settle } from '../helpers/fake-clock.js';
import { logOf, openApp, waitFor, type Harness } from './harness.js';

const T0 = Date.parse('2024-06-03T12:00:00Z');
const EVERY_MINUTE = 'schedule: {type: interval, interval: 60s}\n';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The runs of `jobId` scheduled for `time`, expected ones included. */
function runsAt(jobId: string, time: number): Run[] {
  return [...(h?.app.engine.runs.ofJob(jobId) ?? [])].filter((r) => r.times['schedule'] === time);
}

describe('launch begun ahead of the schedule time', () => {
  it('begins a process run without conditions ahead; a no-op run and one with a condition wait for their time', async () => {
    const clock = new FakeClock(T0);
    h = openApp(
      {
        'proc.yaml': `program: "true"\n${EVERY_MINUTE}`,
        'noop.yaml': `program: {type: no-op}\n${EVERY_MINUTE}`,
        'gated.yaml': `program: "true"\ncondition: {type: max_running, count: 1}\n${EVERY_MINUTE}`,
      },
      { clock },
    );
    const T = T0 + 60_000;
    await clock.advance(60_000 - LAUNCH_LEAD_MS - 1);
    expect(runsAt('proc', T).map((r) => r.state)).toEqual(['scheduled']);
    await clock.advance(1);
    const [proc] = runsAt('proc', T);
    expect(proc?.state).toBe('starting');
    expect(proc?.times['starting']).toBe(T - LAUNCH_LEAD_MS);
    expect(runsAt('noop', T).map((r) => r.state)).toEqual(['scheduled']);
    expect(runsAt('gated', T).map((r) => r.state)).toEqual(['scheduled']);
    await clock.advance(LAUNCH_LEAD_MS);
    expect(runsAt('noop', T)[0]?.times['starting']).toBe(T);
    expect(runsAt('gated', T)[0]?.times['waiting']).toBe(T);
    // The process itself execs at its time: on the real clock, its wait is what was left on the engine's clock.
    const done = await waitFor(h.app, proc as Run, ['success', 'failure', 'error']);
    expect(done.state).toBe('success');
    expect(logOf(h.app, done.runId)).toContain('starting');
  });

  it('after a restart in that moment, a run begun ahead is not generated again and a held one still runs', async () => {
    const clock = new FakeClock(T0);
    h = openApp(
      {
        'proc.yaml': `program: "sleep 0.2"\n${EVERY_MINUTE}`,
        'noop.yaml': `program: {type: no-op}\n${EVERY_MINUTE}`,
      },
      { clock },
    );
    const T = T0 + 60_000;
    await clock.advance(60_000 - LAUNCH_LEAD_MS); // taken ahead, and the engine stops in that same instant
    expect(runsAt('proc', T).map((r) => r.state)).toEqual(['starting']);
    // The no-op run waits for its time, recorded: the clock written at shutdown is past it.
    expect(runsAt('noop', T).map((r) => [r.state, r.expected])).toEqual([['scheduled', false]]);
    await h.reopen(new FakeClock(T + 1000));
    await settle();
    // One run for each: the one begun, recorded running by the shutdown that waited for its launch, followed to its
    // end by the next engine; the held one started at once.
    const proc = runsAt('proc', T);
    expect(proc).toHaveLength(1);
    expect((await waitFor(h.app, proc[0] as Run, ['success', 'failure', 'error'])).state).toBe('success');
    expect(logOf(h.app, proc[0]?.runId ?? '')).toContain('reconnecting');
    expect(runsAt('noop', T).map((r) => r.state)).toEqual(['success']);
  });

  it('on the real clock, the process of a run begun ahead execs at its schedule time, not before', async () => {
    h = openApp({ 'tick.yaml': 'program: "true"\nschedule: {type: interval, interval: 1s}\n' });
    const app = h.app;
    // Read as each run ends: a finished run is slimmed right after its transition is published.
    const finished: { state: string; schedule: number; starting: number; running: number; exec: number }[] =
      [];
    await new Promise<void>((resolve) => {
      app.engine.events.on('transition', ({ summary: run, meta }) => {
        if (run.state !== 'success' && run.state !== 'failure' && run.state !== 'error') return;
        const started = (meta['program'] as { start_time?: string } | undefined)?.start_time;
        finished.push({
          state: run.state,
          schedule: Date.parse(run.times['schedule'] ?? ''),
          starting: Date.parse(run.times['starting'] ?? ''),
          running: Date.parse(run.times['running'] ?? ''),
          exec: Date.parse(started ?? ''),
        });
        if (finished.length === 3) resolve();
      });
    });
    for (const run of finished) {
      expect(run.state).toBe('success');
      expect(run.starting).toBeGreaterThanOrEqual(run.schedule - LAUNCH_LEAD_MS);
      expect(run.exec).toBeGreaterThanOrEqual(run.schedule);
      expect(run.running).toBeGreaterThanOrEqual(run.exec);
    }
  });
});
