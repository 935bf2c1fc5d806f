// The engine's core alone (issue 14): engine, scheduler, waiter and actions over an in-memory RunStore with a fake
// clock, no SQLite and no processes. What an operator would see: runs, states, run logs, and when each is published.
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../main/engine/engine.js';
import type { TransitionEvent } from '../../main/engine/engine-types.js';
import { restoreRuns } from '../../main/engine/restore.js';
import { Scheduler } from '../../main/engine/scheduler.js';
import { defaultSettings } from '../../main/engine/settings.js';
import { loadJobFolder } from '../../main/jobs/load-folder.js';
import { Launcher } from '../../main/procs/launcher.js';
import { FakeClock, settle } from '../helpers/fake-clock.js';
import { jobFolder } from '../helpers/folders.js';
import { MemoryStore } from '../helpers/memory-store.js';

const T0 = Date.parse('2030-01-07T12:00:00Z');

interface Core {
  engine: Engine;
  scheduler: Scheduler;
  store: MemoryStore;
  clock: FakeClock;
  dir: string;
}

const open: Core[] = [];
afterEach(() => {
  for (const c of open.splice(0)) {
    c.scheduler.stop();
    c.engine.close();
  }
});

/** An engine on `files` over `store` (a fresh one by default), started as App.open starts one. */
function core(
  files: Record<string, string>,
  options: { store?: MemoryStore; clock?: FakeClock; dir?: string } = {},
): Core {
  const clock = options.clock ?? new FakeClock(T0);
  const store = options.store ?? new MemoryStore(clock.now() / 1000);
  const dir = options.dir ?? jobFolder(files);
  const engine = new Engine({
    clock,
    store,
    launcher: new Launcher(() => {
      throw new Error('no processes in these tests');
    }),
    settings: defaultSettings(),
    jobDir: dir,
    dataDir: dir,
  });
  const loaded = loadJobFolder(dir, { now: clock.now(), calendarsDir: null });
  engine.applyLoad({
    set: [...loaded.jobs.values()],
    removed: [],
    failed: new Set(),
    problems: loaded.problems,
  });
  const scheduler = new Scheduler(engine, store.getClock() * 1000);
  const leftActions = store.pendingActions();
  restoreRuns(engine);
  scheduler.start();
  engine.resumeActions(leftActions);
  const c = { engine, scheduler, store, clock, dir };
  open.push(c);
  return c;
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const log = (c: Core, runId: string): string[] => c.engine.runLog(runId).map((e) => e.message);

describe('engine core over an in-memory store', () => {
  it('a run moves through its states; the outside hears of each change only once it is committed', async () => {
    const c = core({ 'nap.yaml': 'program: {type: no-op, duration: 1}\n' });
    const heard: string[] = [];
    c.engine.events.on('transition', (e: TransitionEvent) => {
      // Whatever is published is in the committed image already (a later state of the same run, maybe).
      expect(c.store.committed.runs.has(e.summary.run_id)).toBe(true);
      heard.push(e.summary.state);
    });
    const run = c.engine.createRun('nap', {});
    expect(run.state).toBe('starting'); // due now, no conditions: straight to starting
    expect(heard).toEqual([]); // nothing published before the commit
    await settle();
    await turn();
    expect(run.state).toBe('running');
    expect(heard).toEqual(['scheduled', 'starting', 'running']);
    await c.clock.advance(1000);
    await turn();
    expect(heard.at(-1)).toBe('success');
    expect(log(c, run.runId)).toEqual(['scheduled: now', 'starting', 'running', 'success']);
  });

  it('while commits fail nothing is published; all of it follows in order once they succeed', async () => {
    const c = core({ 'quick.yaml': 'program: {type: no-op}\n' });
    const heard: string[] = [];
    c.engine.events.on('transition', (e) => heard.push(`${e.summary.run_id} ${e.summary.state}`));
    c.store.failing = true;
    const run = c.engine.createRun('quick', {});
    await turn();
    await new Promise((r) => setTimeout(r, 60));
    expect(run.state).toBe('success');
    expect(heard).toEqual([]);
    expect(c.store.committed.runs.has(run.runId)).toBe(false);
    c.store.failing = false;
    await new Promise((r) => setTimeout(r, 60));
    expect(heard).toEqual(['scheduled', 'starting', 'running', 'success'].map((s) => `${run.runId} ${s}`));
  });

  it('an interval schedule makes expected runs to the horizon and starts each at its time', async () => {
    const c = core({
      'tick.yaml': 'program: {type: no-op}\nschedule: {type: interval, interval: 1h, phase: 30m}\n',
    });
    const expected = [...c.engine.runs.ofJob('tick')];
    expect(expected).toHaveLength(24);
    expect(expected.every((r) => r.expected && r.state === 'scheduled')).toBe(true);
    expect(expected[0]?.times['schedule']).toBe(T0 + 1800_000);
    expect(c.store.committed.runs.size).toBe(0); // expected runs live in memory only
    await c.clock.advance(1800_000);
    await settle();
    await turn();
    const done = [...c.engine.runs.ofJob('tick')].filter((r) => r.state === 'success');
    expect(done.map((r) => r.times['schedule'])).toEqual([T0 + 1800_000]);
    expect(c.store.committed.runs.get(done[0]?.runId ?? '')?.state).toBe('success');
  });

  it('max_running holds a second run until the first ends (the waiter, re-checked on transitions)', async () => {
    const c = core({
      'one.yaml': 'program: {type: no-op, duration: 5}\ncondition: {type: max_running, count: 1}\n',
    });
    const a = c.engine.createRun('one', {});
    const b = c.engine.createRun('one', {});
    await settle();
    expect([a.state, b.state]).toEqual(['running', 'waiting']);
    expect(log(c, b.runId)).toEqual([
      'scheduled: now',
      'waiting',
      'waiting until: fewer than 1 one() running',
    ]);
    await c.clock.advance(5000);
    await settle();
    expect([a.state, b.state]).toEqual(['success', 'running']);
  });

  it('moves outside the automatic table happen only with their cause; any other move throws', async () => {
    const c = core({
      'dup.yaml':
        'program: {type: no-op, duration: 5}\ncondition: {type: skip_duplicate, check_states: [running], target_state: failure}\n',
      'quick.yaml': 'program: {type: no-op}\n',
    });
    const first = c.engine.createRun('dup', {});
    await settle();
    const second = c.engine.createRun('dup', {});
    expect(first.state).toBe('running');
    // skip_duplicate: waiting → failure is not in the automatic table; its cause allows it.
    expect(second.state).toBe('failure');
    expect(log(c, second.runId).slice(-2)).toEqual([
      `transitioning to failure because ${first.runId} running`,
      'failure',
    ]);
    const quick = c.engine.createRun('quick', {});
    await settle();
    expect(quick.state).toBe('success');
    expect(() => c.engine.transition(quick, 'running')).toThrow(/can't move r\d+ from success to running/);
    expect(() => c.engine.transition(quick, 'failure')).toThrow(/from success to failure/);
    expect(() => c.engine.transition(quick, 'success', { cause: 'mark' })).toThrow(/\(mark\)/);
    expect(() => c.engine.transition(first, 'error', { cause: 'mark' })).toThrow(
      /from running to error \(mark\)/,
    );
    c.engine.markRun(quick.runId, 'failure');
    expect(quick.state).toBe('failure');
    expect(log(c, quick.runId).slice(-2)).toEqual(['marked as failure', 'failure']);
  });

  it('an action fired just before a crash is performed once after the restart, and never twice', async () => {
    const files = {
      'first.yaml':
        'program: {type: no-op}\naction: {type: schedule, job_id: second, if: {states: [success]}}\n',
      'second.yaml': 'program: {type: no-op}\n',
    };
    const dir = jobFolder(files);
    const c = core(files, { dir });
    // Crash at the commit of the first run's success: its action is recorded, not performed.
    let atSuccess: MemoryStore | null = null;
    c.engine.events.on('transition', (e) => {
      if (e.summary.job_id === 'first' && e.summary.state === 'success') atSuccess ??= c.store.crashed();
    });
    c.engine.createRun('first', {});
    await turn();
    await turn();
    expect(atSuccess).not.toBeNull();
    const crashed = atSuccess as unknown as MemoryStore;
    expect(crashed.pendingActions()).toHaveLength(1);
    // Meanwhile the first engine performed it: one `second`, and the pending record gone in the same commit.
    expect([...c.engine.runs.ofJob('second')]).toHaveLength(1);
    expect(c.store.pendingActions()).toEqual([]);

    // Restart from the crash: the action is performed once.
    const again = core(files, { store: crashed, dir, clock: new FakeClock(T0 + 1000) });
    await turn();
    expect([...again.engine.runs.ofJob('second')].map((r) => r.state)).toEqual(['success']);
    expect(again.store.pendingActions()).toEqual([]);
    // Restart from after the action's commit: nothing pending, no second `second`.
    const later = core(files, { store: c.store.crashed(), dir, clock: new FakeClock(T0 + 2000) });
    await turn();
    expect([...later.engine.runs.ofJob('second')]).toHaveLength(1);
  });

  it('an action fired by restore itself (a run left starting ends in error) is performed once', async () => {
    const files = {
      'chain.yaml':
        'program: {type: no-op, duration: 60}\naction: {type: schedule, job_id: notify, if: {states: [error]}}\n',
      'notify.yaml': 'program: {type: no-op}\n',
    };
    const dir = jobFolder(files);
    const c = core(files, { dir });
    const run = c.engine.createRun('chain', {});
    await settle();
    await turn();
    // The image a crash during its launch leaves: the run recorded in `starting`.
    const crashed = c.store.crashed();
    const record = crashed.committed.runs.get(run.runId);
    if (record === undefined) throw new Error('the run was not committed');
    crashed.committed.runs.set(run.runId, { ...record, state: 'starting' });
    const again = core(files, { store: crashed, dir, clock: new FakeClock(T0 + 1000) });
    await turn();
    await turn();
    expect([...again.engine.runs.ofJob('chain')].map((r) => r.state)).toEqual(['error']);
    expect([...again.engine.runs.ofJob('notify')]).toHaveLength(1);
  });
});
