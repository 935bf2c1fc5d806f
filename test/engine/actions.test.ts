// Actions on transitions (SPEC 9): schedule actions, marks firing actions, actions in flight and their errors.
process.env['APSIS_TEST_TYPES'] = '1';

import { FINISHED_STATES } from '../../shared/model/states.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../main/engine/app.js';
import type { Run } from '../../main/engine/run.js';
import { FakeClock, settle } from '../helpers/fake-clock.js';
import { logOf, openApp, waitFor, type Harness } from './harness.js';

const T0 = Date.parse('2024-06-03T12:00:00Z');

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const runsOf = (app: App, jobId: string): Run[] => [...app.engine.runs.ofJob(jobId)];
const argsOf = (app: App, jobId: string): Record<string, string>[] => runsOf(app, jobId).map((r) => r.args);

const AC15 = {
  'first.yaml': [
    'params: [label]',
    'program: {type: no-op, duration: 0.5}',
    'action:',
    '  - {type: schedule, job_id: second, args: {label: on-success}, if: {states: [success]}}',
    '  - {type: schedule, job_id: third, args: {label: on-failure}, if: {states: [failure, error]}}',
    '  - {type: schedule, job_id: fifth, if: {states: [success, error]}}',
    '',
  ].join('\n'),
  'second.yaml': 'params: [label]\nprogram: {type: no-op}\naction: {type: schedule, job_id: fourth}\n',
  'third.yaml': 'params: [label]\nprogram: {type: no-op}\n',
  'fourth.yaml': 'program: {type: no-op}\n',
  'fifth.yaml': 'params: [label]\nprogram: {type: no-op}\n',
};

/** Lets background actions and the runs they create finish (no-op runs of duration 0). */
async function quiet(app: App): Promise<void> {
  for (let i = 0; i < 10; i += 1) {
    await settle();
    const busy = [...app.engine.runs.all()].some(
      (r) => !FINISHED_STATES.includes(r.state as (typeof FINISHED_STATES)[number]),
    );
    if (!busy && app.engine.stats().tasks.num_action === 0) return;
  }
}

describe('schedule actions', () => {
  it('AC-15 first(label=foo) yields one second(on-success), no third, one fourth(), one fifth(label=foo)', async () => {
    const clock = new FakeClock(T0);
    h = openApp(AC15, { clock });
    const first = h.app.engine.createRun('first', { label: 'foo' });
    await settle();
    expect(first.state).toBe('running');
    expect(runsOf(h.app, 'second')).toHaveLength(0);
    await clock.advance(500);
    expect(first.state).toBe('success');
    await quiet(h.app);
    expect(argsOf(h.app, 'second')).toEqual([{ label: 'on-success' }]);
    expect(argsOf(h.app, 'third')).toEqual([]);
    expect(argsOf(h.app, 'fourth')).toEqual([{}]);
    expect(argsOf(h.app, 'fifth')).toEqual([{ label: 'foo' }]);
    for (const job of ['second', 'fourth', 'fifth']) expect(runsOf(h.app, job)[0]?.state).toBe('success');

    const [second] = runsOf(h.app, 'second');
    const [fifth] = runsOf(h.app, 'fifth');
    if (second === undefined || fifth === undefined) throw new Error('missing runs');
    expect(logOf(h.app, first.runId)).toEqual(
      expect.arrayContaining([
        `action scheduling second(label=on-success) as ${second.runId}`,
        `action scheduling fifth(label=foo) as ${fifth.runId}`,
      ]),
    );
    expect(logOf(h.app, second.runId).slice(0, 2)).toEqual([
      'scheduled: now',
      `scheduled by action of ${first.runId}`,
    ]);
  });

  it('AC-15 marking a finished run fires its actions', async () => {
    const clock = new FakeClock(T0);
    h = openApp(AC15, { clock });
    const first = h.app.engine.createRun('first', { label: 'bar' });
    await clock.advance(500);
    await quiet(h.app);
    expect(runsOf(h.app, 'third')).toHaveLength(0);

    h.app.engine.markRun(first.runId, 'failure');
    await quiet(h.app);
    expect(argsOf(h.app, 'third')).toEqual([{ label: 'on-failure' }]);
    expect(runsOf(h.app, 'fifth')).toHaveLength(1);

    h.app.engine.markRun(first.runId, 'error');
    await quiet(h.app);
    expect(runsOf(h.app, 'third')).toHaveLength(2);
    expect(runsOf(h.app, 'fifth')).toHaveLength(2);
    expect(runsOf(h.app, 'second')).toHaveLength(1);
    expect(logOf(h.app, first.runId)).toContain('marked as error');
  });

  it('AC-25 an action without `if` fires once, on the finished state, and shows its states', async () => {
    const clock = new FakeClock(T0);
    h = openApp(
      {
        'before.yaml': 'program: {type: no-op, duration: 1}\naction: {type: schedule, job_id: after}\n',
        'after.yaml': 'program: {type: no-op}\n',
      },
      { clock },
    );
    const run = h.app.engine.createRun('before', {});
    await settle();
    expect(run.state).toBe('running');
    expect(run.actions).toEqual([
      {
        type: 'schedule',
        job_id: 'after',
        args: {},
        if: { states: ['success', 'failure', 'error', 'skipped'] },
      },
    ]);
    await quiet(h.app);
    expect(runsOf(h.app, 'after')).toHaveLength(0);
    await clock.advance(1000);
    await quiet(h.app);
    expect(run.state).toBe('success');
    expect(runsOf(h.app, 'after').map((r) => r.state)).toEqual(['success']);
  });

  it('actions from settings apply to every run', async () => {
    h = openApp(
      { 'a.yaml': 'program: {type: no-op}\n', 'audit.yaml': 'program: {type: no-op}\n' },
      {
        settings: (s) => {
          s.action = [{ type: 'schedule', job_id: 'audit', args: {}, if: { states: ['failure'] } }];
        },
      },
    );
    const run = h.app.engine.createRun('a', {});
    await waitFor(h.app, run, 'success');
    await quiet(h.app);
    expect(runsOf(h.app, 'audit')).toHaveLength(0);
    h.app.engine.markRun(run.runId, 'failure');
    await quiet(h.app);
    expect(runsOf(h.app, 'audit')).toHaveLength(1);
  });
});

describe('actions in flight', () => {
  it('a SleepThreadAction of 2 s counts in tasks.num_action while it runs', async () => {
    const clock = new FakeClock(T0);
    h = openApp(
      {
        'sleepy.yaml':
          'program: {type: no-op}\naction: {type: apsis.actions.test.SleepThreadAction, duration: 2}\n',
      },
      { clock },
    );
    const run = h.app.engine.createRun('sleepy', {});
    await waitFor(h.app, run, 'success');
    await settle();
    expect(h.app.engine.stats().tasks.num_action).toBe(1);
    await clock.advance(1000);
    expect(h.app.engine.stats().tasks.num_action).toBe(1);
    await clock.advance(1000);
    expect(h.app.engine.stats().tasks.num_action).toBe(0);
    expect(run.state).toBe('success');
  });

  it('an ErrorThreadAction logs `error: ...` on the run and leaves its state alone', async () => {
    h = openApp({
      'oops.yaml': 'program: {type: no-op}\naction: {type: apsis.actions.test.ErrorThreadAction, if: {}}\n',
    });
    const run = h.app.engine.createRun('oops', {});
    await waitFor(h.app, run, 'success');
    await quiet(h.app);
    expect(run.state).toBe('success');
    expect(h.app.engine.store.getRun(run.runId)?.state).toBe('success');
    const errors = logOf(h.app, run.runId).filter((m) => m.startsWith('error: '));
    // `if: {}` matches every state: scheduled, starting, running, success.
    expect(errors).toHaveLength(4);
    expect(errors[0]).toBe(`error: test action error for ${run.runId}`);
    expect(h.app.engine.stats().tasks.num_action).toBe(0);
  });
});
