// Conditions (SPEC 8): max_running, dependency (with exist), skip_duplicate, const and waiting.max_time.
import { FINISHED_STATES, type RunState } from '../../shared/model/states.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../main/engine/app.js';
import type { Run } from '../../main/engine/run.js';
import { toSummary } from '../../main/engine/run.js';
import { FakeClock, settle } from '../helpers/fake-clock.js';
import { logOf, openApp, waitFor, type Harness } from './harness.js';

const T0 = Date.parse('2024-06-03T12:00:00Z');

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const states = (runs: Run[]): RunState[] => runs.map((r) => r.state);

/** Tracks the most runs of `jobId` in starting or running at once, from transition events. */
function concurrency(app: App, jobId: string): { max: number } {
  const active = new Set<string>();
  const out = { max: 0 };
  app.engine.events.on('transition', ({ summary: r }) => {
    if (r.job_id !== jobId) return;
    if (r.state === 'starting' || r.state === 'running') active.add(r.run_id);
    else active.delete(r.run_id);
    out.max = Math.max(out.max, active.size);
  });
  return out;
}

describe('max_running', () => {
  it('AC-9 B waits while A runs, then runs after A; runs with other args are not held', async () => {
    const clock = new FakeClock(T0);
    h = openApp(
      {
        'one.yaml': 'program: {type: no-op, duration: 1}\ncondition: {type: max_running, count: 1}\n',
        'perhost.yaml':
          'params: [host]\nprogram: {type: no-op, duration: 1}\ncondition: {type: max_running, count: 1}\n',
      },
      { clock },
    );
    const engine = h.app.engine;
    const a = engine.createRun('one', {});
    await settle();
    const b = engine.createRun('one', {});
    await settle();
    expect(states([a, b])).toEqual(['running', 'waiting']);
    expect(logOf(h.app, b.runId)).toEqual([
      'scheduled: now',
      'waiting',
      'waiting until: fewer than 1 one() running',
    ]);
    await clock.advance(1000);
    expect(states([a, b])).toEqual(['success', 'running']);
    await clock.advance(1000);
    expect(states([a, b])).toEqual(['success', 'success']);

    const x1 = engine.createRun('perhost', { host: 'x' });
    const x2 = engine.createRun('perhost', { host: 'x' });
    const y = engine.createRun('perhost', { host: 'y' });
    await settle();
    expect(states([x1, x2, y])).toEqual(['running', 'waiting', 'running']);
    await clock.advance(1000);
    expect(states([x1, x2, y])).toEqual(['success', 'running', 'success']);
    await clock.advance(1000);
    expect(x2.state).toBe('success');
  });

  it('AC-9 SIGTERM to the running one of 10 queued 3 s processes: failure, and exactly one other starts', async () => {
    h = openApp({ 'q.yaml': 'program: sleep 3\ncondition: {type: max_running, count: 1}\n' });
    const engine = h.app.engine;
    const runs = Array.from({ length: 10 }, () => engine.createRun('q', {}));
    const [first] = runs;
    if (first === undefined) throw new Error('no run');
    await waitFor(h.app, first, 'running');
    expect(runs.slice(1).every((r) => r.state === 'waiting')).toBe(true);
    engine.signalRun(first.runId, 'TERM');
    await waitFor(h.app, first, FINISHED_STATES);
    expect(first.state).toBe('failure');
    expect(logOf(h.app, first.runId).slice(-2)).toEqual([
      'sending SIGTERM',
      'failure: program failed: killed by SIGTERM',
    ]);
    const active = runs.filter((r) => r.state === 'starting' || r.state === 'running');
    expect(active).toHaveLength(1);
    expect(runs.filter((r) => r.state === 'waiting')).toHaveLength(8);
    // Leave nothing behind: skip the queue, stop the one that started.
    for (const r of runs) if (r.state === 'waiting') engine.skipRun(r.runId);
    const [next] = active;
    if (next === undefined) throw new Error('no active run');
    await waitFor(h.app, next, 'running');
    engine.stopRun(next.runId);
    await waitFor(h.app, next, FINISHED_STATES);
    expect(next.state).toBe('success');
  });

  it('max_running with args holds runs of other args while the named instance runs (D13)', async () => {
    const clock = new FakeClock(T0);
    h = openApp(
      {
        'lane.yaml':
          'params: [i]\nprogram: {type: no-op, duration: 1}\ncondition: {type: max_running, count: 1, args: {i: x}}\n',
      },
      { clock },
    );
    const engine = h.app.engine;
    // The target instance is lane(i=x) whatever the run's own args (SPEC 8.2).
    const y1 = engine.createRun('lane', { i: 'y' });
    const z1 = engine.createRun('lane', { i: 'z' });
    await settle();
    expect(states([y1, z1])).toEqual(['running', 'running']);
    const x = engine.createRun('lane', { i: 'x' });
    await settle();
    expect(x.state).toBe('running');
    const y2 = engine.createRun('lane', { i: 'y' });
    expect(y2.state).toBe('waiting');
    expect(logOf(h.app, y2.runId).at(-1)).toBe('waiting until: fewer than 1 lane(i=x) running');
    await clock.advance(1000);
    expect(states([y1, z1, x, y2])).toEqual(['success', 'success', 'success', 'running']);
  });

  it('max_running count 3 over 20 concurrent runs: at most 3 starting or running, all succeed', async () => {
    const clock = new FakeClock(T0);
    h = openApp(
      { 'three.yaml': 'program: {type: no-op, duration: 1}\ncondition: {type: max_running, count: 3}\n' },
      { clock },
    );
    const seen = concurrency(h.app, 'three');
    const runs = Array.from({ length: 20 }, () => h?.app.engine.createRun('three', {}));
    await settle();
    for (let i = 0; i < 7; i += 1) {
      expect(runs.filter((r) => r?.state === 'running')).toHaveLength(Math.min(3, 20 - 3 * i));
      await clock.advance(1000);
    }
    expect(runs.every((r) => r?.state === 'success')).toBe(true);
    expect(seen.max).toBe(3);
  });
});

describe('skip_duplicate', () => {
  it('AC-10 duplicates are skipped at once; other args run; the instance runs again after the first finishes', async () => {
    const clock = new FakeClock(T0);
    h = openApp(
      {
        'dup.yaml':
          'params: [date]\nprogram: {type: no-op, duration: 1}\ncondition: {type: skip_duplicate}\n',
      },
      { clock },
    );
    const engine = h.app.engine;
    const d1 = engine.createRun('dup', { date: 'D' });
    await settle();
    const d2 = engine.createRun('dup', { date: 'D' });
    const d3 = engine.createRun('dup', { date: 'D' });
    const e = engine.createRun('dup', { date: 'E' });
    await settle();
    expect(states([d1, d2, d3, e])).toEqual(['running', 'skipped', 'skipped', 'running']);
    expect(logOf(h.app, d2.runId).slice(-2)).toEqual([
      `transitioning to skipped because ${d1.runId} running`,
      'skipped',
    ]);
    await clock.advance(1000);
    expect(states([d1, e])).toEqual(['success', 'success']);
    const d4 = engine.createRun('dup', { date: 'D' });
    await settle();
    expect(d4.state).toBe('running');
    await clock.advance(1000);
    expect(d4.state).toBe('success');
  });

  it.each([2, 4, 8, 16, 32, 64, 128])(
    'AC-10 race: %i copies waiting on gate, then skip_duplicate → exactly 1 success, the rest skipped',
    async (n) => {
      h = openApp({
        'gate.yaml': 'program: {type: no-op}\n',
        'race.yaml': [
          'program: {type: no-op}',
          'condition:',
          '  - {type: dependency, job_id: gate}',
          '  - {type: skip_duplicate}',
          '',
        ].join('\n'),
      });
      const engine = h.app.engine;
      const runs = Array.from({ length: n }, () => engine.createRun('race', {}));
      expect(runs.every((r) => r.state === 'waiting')).toBe(true);
      const gate = engine.createRun('gate', {});
      const app = h.app;
      await waitFor(app, gate, 'success');
      await Promise.all(runs.map((r) => waitFor(app, r, FINISHED_STATES)));
      expect(runs.filter((r) => r.state === 'success')).toHaveLength(1);
      expect(runs.filter((r) => r.state === 'skipped')).toHaveLength(n - 1);
    },
  );

  it('AC-11 skip_duplicate to error on failure|error duplicates', async () => {
    const clock = new FakeClock(T0);
    h = openApp(
      {
        'strict.yaml': [
          'params: [color]',
          'program: {type: no-op, duration: 1}',
          'condition: {type: skip_duplicate, check_states: [failure, error], target_state: error}',
          '',
        ].join('\n'),
      },
      { clock },
    );
    const engine = h.app.engine;
    const red1 = engine.createRun('strict', { color: 'red' });
    const red2 = engine.createRun('strict', { color: 'red' });
    await settle();
    expect(states([red1, red2])).toEqual(['running', 'running']);
    await clock.advance(1000);
    expect(states([red1, red2])).toEqual(['success', 'success']);

    engine.markRun(red2.runId, 'failure');
    const red3 = engine.createRun('strict', { color: 'red' });
    const blue = engine.createRun('strict', { color: 'blue' });
    await settle();
    expect(states([red3, blue])).toEqual(['error', 'running']);
    expect(logOf(h.app, red3.runId).slice(-2)).toEqual([
      `transitioning to error because ${red2.runId} failure`,
      'error',
    ]);

    engine.markRun(red2.runId, 'success');
    engine.markRun(red3.runId, 'success');
    const red4 = engine.createRun('strict', { color: 'red' });
    await settle();
    expect(red4.state).toBe('running');
    await clock.advance(1000);
    expect(states([red4, blue])).toEqual(['success', 'success']);
  });
});

describe('dependencies', () => {
  const depFiles = (exist: boolean): Record<string, string> => ({
    'dep.yaml': 'params: [date, flavor]\nprogram: {type: no-op, duration: 1}\n',
    'consumer.yaml': [
      'params: [date, color]',
      'program: {type: no-op}',
      'condition:',
      `  - {type: dependency, job_id: dep, args: {flavor: vanilla}${exist ? ', exist: true' : ''}}`,
      `  - {type: dependency, job_id: dep, args: {flavor: chocolate}${exist ? ', exist: true' : ''}}`,
      '',
    ].join('\n'),
  });

  it('AC-12 a consumer waits for both of its dependency instances; the summary lists them', async () => {
    const clock = new FakeClock(T0);
    h = openApp(depFiles(false), { clock });
    const engine = h.app.engine;
    const consumer = engine.createRun('consumer', { date: '2022-11-01', color: 'red' });
    expect(consumer.state).toBe('waiting');
    expect(toSummary(consumer).dependencies).toEqual([
      ['dep', { date: '2022-11-01', flavor: 'vanilla' }],
      ['dep', { date: '2022-11-01', flavor: 'chocolate' }],
    ]);
    const finish = async (args: Record<string, string>): Promise<Run> => {
      const run = engine.createRun('dep', args);
      await clock.advance(1000);
      expect(run.state).toBe('success');
      return run;
    };
    await finish({ date: '2022-11-01', flavor: 'vanilla' });
    expect(consumer.state).toBe('waiting');
    await finish({ date: '2022-12-25', flavor: 'chocolate' });
    expect(consumer.state).toBe('waiting');
    await finish({ date: '2022-11-01', flavor: 'chocolate' });
    await waitFor(h.app, consumer, FINISHED_STATES);
    expect(consumer.state).toBe('success');
    expect(logOf(h.app, consumer.runId).slice(0, 4)).toEqual([
      'scheduled: now',
      'waiting',
      'waiting until: dependency dep(date=2022-11-01, flavor=vanilla) is success',
      'waiting until: dependency dep(date=2022-11-01, flavor=chocolate) is success',
    ]);
  });

  it('AC-12 with 200 dependency conditions satisfied in random order, it finishes only after the last', async () => {
    const n = 200;
    const conds = Array.from(
      { length: n },
      (_, i) => `  - {type: dependency, job_id: part, args: {k: "${i}"}}`,
    );
    h = openApp({
      'part.yaml': 'params: [k]\nprogram: {type: no-op}\n',
      'whole.yaml': ['program: {type: no-op}', 'condition:', ...conds, ''].join('\n'),
    });
    const engine = h.app.engine;
    const whole = engine.createRun('whole', {});
    expect(whole.state).toBe('waiting');
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i -= 1) {
      const j = Math.floor(Math.random() * (i + 1));
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    for (const [done, k] of order.entries()) {
      expect(whole.state, `after ${done} of ${n} dependencies`).toBe('waiting');
      await waitFor(h.app, engine.createRun('part', { k: String(k) }), 'success');
    }
    await waitFor(h.app, whole, FINISHED_STATES);
    expect(whole.state).toBe('success');
  });

  it('AC-13 exist: no dependency → error at once; one of two → error; both present, even running → success; a failed one → error', async () => {
    const files = depFiles(true);
    // Real short processes, so a dependency can be running and can fail (date=bad).
    files['dep.yaml'] = 'params: [date, flavor]\nprogram: sleep 0.3; test "{{ date }}" != bad\n';
    h = openApp(files);
    const engine = h.app.engine;
    const exist = 'new|scheduled|waiting|starting|running|stopping|success';
    const none = engine.createRun('consumer', { date: 'D1', color: 'red' });
    expect(none.state).toBe('error');
    expect(logOf(h.app, none.runId).slice(-2)).toEqual([
      `no dependency dep(date=D1, flavor=vanilla) exists in ${exist}`,
      'error',
    ]);

    await waitFor(h.app, engine.createRun('dep', { date: 'D2', flavor: 'vanilla' }), 'success');
    const half = engine.createRun('consumer', { date: 'D2', color: 'red' });
    expect(half.state).toBe('error');
    expect(logOf(h.app, half.runId).at(-2)).toBe(
      `no dependency dep(date=D2, flavor=chocolate) exists in ${exist}`,
    );

    const v = engine.createRun('dep', { date: 'D3', flavor: 'vanilla' });
    const c = engine.createRun('dep', { date: 'D3', flavor: 'chocolate' });
    await waitFor(h.app, v, 'running');
    await waitFor(h.app, c, 'running');
    const both = engine.createRun('consumer', { date: 'D3', color: 'red' });
    expect(both.state).toBe('waiting');
    await waitFor(h.app, both, FINISHED_STATES);
    expect(both.state).toBe('success');
    expect(states([v, c])).toEqual(['success', 'success']);

    const bad = engine.createRun('dep', { date: 'bad', flavor: 'vanilla' });
    engine.createRun('dep', { date: 'bad', flavor: 'chocolate' });
    const failing = engine.createRun('consumer', { date: 'bad', color: 'red' });
    expect(failing.state).toBe('waiting');
    await waitFor(h.app, failing, FINISHED_STATES);
    expect(bad.state).toBe('failure');
    expect(failing.state).toBe('error');
    expect(logOf(h.app, failing.runId).at(-2)).toBe(
      `no dependency dep(date=bad, flavor=vanilla) exists in ${exist}`,
    );
  });

  it('AC-13 alarm: error when the watched run is still waiting, success when it already succeeded', async () => {
    const clock = new FakeClock(T0);
    const files = depFiles(false);
    files['alarm.yaml'] = [
      'params: [date]',
      'program: {type: no-op}',
      'condition: {type: dependency, job_id: consumer, args: {color: purple}, exist: [success]}',
      '',
    ].join('\n');
    h = openApp(files, { clock });
    const engine = h.app.engine;
    const late = engine.createRun('consumer', { date: 'D1', color: 'purple' });
    const alarm1 = engine.createRun('alarm', { date: 'D1' }, { time: T0 + 1000 });
    expect(states([late, alarm1])).toEqual(['waiting', 'scheduled']);
    await clock.advance(1000);
    expect(states([late, alarm1])).toEqual(['waiting', 'error']);
    expect(logOf(h.app, alarm1.runId).at(-2)).toBe(
      'no dependency consumer(color=purple, date=D1) exists in success',
    );

    const onTime = engine.createRun('consumer', { date: 'D2', color: 'purple' });
    for (const flavor of ['vanilla', 'chocolate']) engine.createRun('dep', { date: 'D2', flavor });
    await clock.advance(1000);
    await waitFor(h.app, onTime, FINISHED_STATES);
    expect(onTime.state).toBe('success');
    const alarm2 = engine.createRun('alarm', { date: 'D2' }, { time: clock.now() + 1000 });
    await clock.advance(1000);
    await waitFor(h.app, alarm2, FINISHED_STATES);
    expect(alarm2.state).toBe('success');
  });
});

describe('waiting.max_time', () => {
  it('AC-14 a run waiting longer than waiting.max_time goes to error with a timeout log line', async () => {
    const clock = new FakeClock(T0);
    h = openApp(
      { 'never.yaml': 'program: {type: no-op}\ncondition: {type: const, value: false}\n' },
      { clock, settings: (s) => (s.waiting.max_time = 0.5) },
    );
    const run = h.app.engine.createRun('never', {});
    expect(run.state).toBe('waiting');
    await clock.advance(400);
    expect(run.state).toBe('waiting');
    await clock.advance(200);
    expect(run.state).toBe('error');
    expect((run.times['error'] ?? 0) - (run.times['waiting'] ?? 0)).toBe(500);
    expect(logOf(h.app, run.runId).at(-1)).toBe('error: waiting for false: timeout after 0.5 s');
    expect(h.app.engine.store.getRun(run.runId)?.state).toBe('error');
  });
});
