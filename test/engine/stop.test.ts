// Stop schedules, the stop routine with SIGKILL escalation, and timeouts (SPEC 5.8, 6.3), with real processes.
import { FINISHED_STATES } from '../../shared/model/states.js';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../helpers/fake-clock.js';
import { logOf, openApp, waitFor, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface ProgramMeta {
  return_code?: number | null;
  signal?: string | null;
  stop?: { signals: string[] };
  timeout?: { duration: number; signal: string };
}

const programMeta = (meta: Record<string, unknown>): ProgramMeta => meta['program'] as ProgramMeta;

describe('stop schedules', () => {
  it('AC-6 a duration stop stops the run about 1 s after its schedule time; a rerun is stopped at once', async () => {
    const t = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000).toISOString();
    h = openApp({
      'sleeper.yaml': [
        'params: [t]',
        'program: sleep {{ t }}',
        'schedule:',
        `  start: {type: explicit, times: ["${t}"], args: {t: 5}}`,
        '  stop: {type: duration, duration: 1s}',
        '',
      ].join('\n'),
    });
    const [run] = [...h.app.engine.runs.ofJob('sleeper')];
    if (run === undefined) throw new Error('no expected run');
    expect(run.state).toBe('scheduled');
    expect(run.args).toEqual({ t: '5' });
    expect(run.times['stop']).toBe((run.times['schedule'] ?? 0) + 1000);
    expect(logOf(h.app, run.runId)).toEqual([
      `scheduled: ${t}`,
      `stop time: ${new Date(Date.parse(t) + 1000).toISOString()}`,
    ]);

    await waitFor(h.app, run, 'running', 5000);
    await waitFor(h.app, run, 'stopping', 3000);
    await waitFor(h.app, run, FINISHED_STATES, 3000);
    expect(run.state).toBe('success');
    expect(run.times['stopping']).toBeDefined();
    expect((run.times['stopping'] ?? 0) - Date.parse(t)).toBeGreaterThanOrEqual(1000);
    expect(h.app.engine.full(run).meta['elapsed']).toBeLessThan(2);
    expect(programMeta(h.app.engine.full(run).meta).stop?.signals).toEqual(['SIGTERM']);
    expect(logOf(h.app, run.runId)).toEqual(
      expect.arrayContaining(['running', 'stopping', 'sending SIGTERM', 'success']),
    );

    const again = h.app.engine.rerun(run.runId);
    expect(again.runId).not.toBe(run.runId);
    expect(again.times['stop']).toBe(run.times['stop']);
    await waitFor(h.app, again, FINISHED_STATES, 4000);
    expect(again.state).toBe('success');
    expect(again.times['stopping']).toBeDefined();
    expect(h.app.engine.full(again).meta['elapsed']).toBeLessThan(2);
    expect(logOf(h.app, again.runId).slice(0, 3)).toEqual([
      'scheduled: now',
      `stop time: ${new Date(run.times['stop'] ?? 0).toISOString()}`,
      `scheduled as rerun of ${run.runId}`,
    ]);
  });

  it('AC-6 a daytime stop of 16:00 Asia/Tokyo for 2024-12-13T12:00Z is at 2024-12-14T07:00Z', () => {
    const clock = new FakeClock(Date.parse('2024-12-13T11:00:00Z'));
    h = openApp(
      {
        'tokyo.yaml': [
          'program: {type: no-op}',
          'schedule:',
          '  start: {type: explicit, times: ["2024-12-13T12:00:00Z"]}',
          '  stop: {type: daytime, daytime: "16:00:00", tz: Asia/Tokyo}',
          '',
        ].join('\n'),
      },
      { clock },
    );
    const [run] = [...h.app.engine.runs.ofJob('tokyo')];
    expect(run?.expected).toBe(true);
    expect(new Date(run?.times['stop'] ?? 0).toISOString()).toBe('2024-12-14T07:00:00.000Z');
  });
});

describe('stop escalation and timeouts', () => {
  it('AC-24 a program ignoring SIGTERM gets SIGKILL after the grace period and fails; without the trap it succeeds', async () => {
    h = openApp({
      'stubborn.yaml':
        'program: {type: shell, command: "trap \'\' TERM; sleep 30", stop: {grace_period: 1}}\n',
      'meek.yaml': 'program: {type: shell, command: "sleep 30", stop: {grace_period: 1}}\n',
    });
    const stubborn = h.app.engine.createRun('stubborn', {});
    const meek = h.app.engine.createRun('meek', {});
    await waitFor(h.app, stubborn, 'running');
    await waitFor(h.app, meek, 'running');
    // Let bash set its trap before the signal arrives.
    await new Promise((r) => setTimeout(r, 200));
    h.app.engine.stopRun(stubborn.runId);
    h.app.engine.stopRun(meek.runId);
    expect(stubborn.state).toBe('stopping');
    expect(stubborn.runState?.['stopping']).toBe(true);

    await waitFor(h.app, meek, FINISHED_STATES);
    expect(meek.state).toBe('success');
    expect(programMeta(h.app.engine.full(meek).meta).stop?.signals).toEqual(['SIGTERM']);
    expect(programMeta(h.app.engine.full(meek).meta).signal).toBe('SIGTERM');

    await waitFor(h.app, stubborn, FINISHED_STATES, 5000);
    expect(stubborn.state).toBe('failure');
    const stopToEnd = (stubborn.times['failure'] ?? 0) - (stubborn.times['stopping'] ?? 0);
    expect(stopToEnd).toBeGreaterThanOrEqual(900);
    expect(stopToEnd).toBeLessThan(4000);
    expect(programMeta(h.app.engine.full(stubborn).meta).stop?.signals).toEqual(['SIGTERM', 'SIGKILL']);
    expect(programMeta(h.app.engine.full(stubborn).meta).return_code).toBeNull();
    expect(logOf(h.app, stubborn.runId).slice(-4)).toEqual([
      'stopping',
      'sending SIGTERM',
      'sending SIGKILL after grace period of 1 s',
      'failure: program failed: killed by SIGKILL',
    ]);
    expect(h.app.engine.store.getRun(stubborn.runId)?.state).toBe('failure');
  });

  it('a 3 s sleep with timeout 1 fails `(timeout after 1 s)`; with timeout 5 it succeeds', async () => {
    h = openApp({
      'slow.yaml':
        'params: [limit]\nprogram: {type: shell, command: sleep 3, timeout: {duration: "{{ limit }}"}}\n',
    });
    const short = h.app.engine.createRun('slow', { limit: '1' });
    const long = h.app.engine.createRun('slow', { limit: '5' });
    await waitFor(h.app, short, FINISHED_STATES, 5000);
    expect(short.state).toBe('failure');
    expect(logOf(h.app, short.runId).at(-1)).toBe(
      'failure: program failed: killed by SIGTERM (timeout after 1 s)',
    );
    expect(programMeta(h.app.engine.full(short).meta).timeout).toEqual({ duration: 1, signal: 'SIGTERM' });
    expect(h.app.engine.full(short).meta['elapsed']).toBeLessThan(2.5);
    await waitFor(h.app, long, FINISHED_STATES, 6000);
    expect(long.state).toBe('success');
    expect(programMeta(h.app.engine.full(long).meta).timeout).toBeUndefined();
    expect(programMeta(h.app.engine.full(long).meta).return_code).toBe(0);
  });
});
