// Quit (SPEC 12.4, 19.6): confirmation when runs are in flight, a clean engine shutdown, runs left to their
// supervisors and recovered at the next start; the window hides instead of closing; sleep and resume.
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunJson } from '../../shared/model/run.js';
import { inFlightRuns, QuitFlow, quitMessage, watchPower } from '../../main/electron/lifecycle.js';
import type { Clock } from '../../main/engine/clock.js';
import { SqliteStore } from '../../main/store/sqlite-store.js';
import { logOf, waitFor } from '../engine/harness.js';
import { FakeEvent, FakePowerMonitor } from '../fakes/electron.js';
import { appOf, openDesktopOn, type Desktop } from './desktop-harness.js';

vi.mock('electron', () => {
  throw new Error('tests must not load electron');
});

let d: Desktop | undefined;
afterEach(async () => {
  await d?.close();
  d = undefined;
});

function quitFlow(desktop: Desktop, answers: boolean[]) {
  const asked: number[] = [];
  let quits = 0;
  const flow = new QuitFlow({
    host: desktop.host,
    confirm: (n) => {
      asked.push(n);
      return Promise.resolve(answers.shift() ?? false);
    },
    quit: () => (quits += 1),
    log: desktop.log,
  });
  return { flow, asked, quits: () => quits };
}

describe('quit', () => {
  it('with runs in flight: asks, shuts the engine down cleanly, leaves the run to its supervisor; recovered at next start', async () => {
    const desktop = await openDesktopOn({ 'nap.yaml': 'program: sleep 1.5; echo rested\n' });
    d = desktop;
    const [run] = await d.value<RunJson[]>('schedule', [{ job_id: 'nap', args: {} }]);
    const id = run?.run_id ?? '';
    const engine = d.host.current;
    if (engine === null) throw new Error('not open');
    await waitFor(engine.app, id, 'running');
    expect(inFlightRuns(d.host)).toBe(1);

    const { flow, asked, quits } = quitFlow(d, [true]);
    const event = new FakeEvent();
    flow.onBeforeQuit(event);
    expect(event.prevented).toBe(true); // held until the engine is down
    await flow.done;
    expect(asked).toEqual([1]);
    expect(quits()).toBe(1);
    expect(d.host.current).toBeNull();
    // Clean shutdown: database closed and unlocked, the run not transitioned (still running in the DB).
    expect(() => engine.app.engine.store.getClock()).toThrow(/not open/);
    expect(existsSync(`${engine.dbPath}.lock`)).toBe(false);
    const store = SqliteStore.open(engine.dbPath);
    expect(store.getRun(id)?.state).toBe('running');
    store.close();
    // The second before-quit (from quit()) goes through.
    const again = new FakeEvent();
    flow.onBeforeQuit(again);
    expect(again.prevented).toBe(false);

    // Next start: the run is found under its supervisor again and finishes with its whole output.
    const reopened = await d.host.open(desktop.folder);
    if (reopened === null) throw new Error('not reopened');
    expect(reopened.app.engine.runs.get(id)?.state).toBe('running');
    expect(logOf(reopened.app, id)).toContain('reconnecting');
    await waitFor(reopened.app, id, ['success', 'failure', 'error'], 8000);
    expect(reopened.app.engine.runs.get(id)?.state).toBe('success');
    expect(await d.value('output', [id])).toBe('rested\n');
  });

  it('declining keeps everything running; with nothing in flight it quits without asking', async () => {
    d = await openDesktopOn({ 'nap.yaml': 'program: sleep 1\n', 'n.yaml': 'program: {type: no-op}\n' });
    const [run] = await d.value<RunJson[]>('schedule', [{ job_id: 'nap', args: {} }]);
    const engine = d.host.current;
    if (engine === null) throw new Error('not open');
    await waitFor(engine.app, run?.run_id ?? '', 'running');
    const declined = quitFlow(d, [false]);
    declined.flow.onBeforeQuit(new FakeEvent());
    await declined.flow.done;
    expect(declined.asked).toEqual([1]);
    expect(declined.quits()).toBe(0);
    expect(d.host.current).toBe(engine);
    expect(engine.app.engine.store.getClock()).toBeGreaterThan(0);

    await waitFor(engine.app, run?.run_id ?? '', ['success', 'failure', 'error']);
    const calm = quitFlow(d, []);
    calm.flow.onBeforeQuit(new FakeEvent());
    await calm.flow.done;
    expect(calm.asked).toEqual([]);
    expect(calm.quits()).toBe(1);
    expect(d.host.current).toBeNull();
  });

  it('the message says runs continue, are recovered at the next start, and nothing starts meanwhile', () => {
    const { message, detail } = quitMessage(2);
    expect(message).toBe('2 runs are in flight. Quit Apsis Console?');
    expect(detail).toMatch(/keep running under their supervisors/);
    expect(detail).toMatch(/recovered when Apsis Console starts again/);
    expect(detail).toMatch(/No scheduled run starts while it is closed/);
  });

  it('closing the window hides it and keeps the engine; while quitting it closes', async () => {
    d = await openDesktopOn({ 'n.yaml': 'program: {type: no-op}\n' });
    const { flow } = quitFlow(d, []);
    let hidden = 0;
    const close = new FakeEvent();
    flow.onWindowClose(close, () => (hidden += 1));
    expect(close.prevented).toBe(true);
    expect(hidden).toBe(1);
    expect(d.host.current).not.toBeNull();
    flow.onBeforeQuit(new FakeEvent());
    await flow.done;
    const closing = new FakeEvent();
    flow.onWindowClose(closing, () => (hidden += 1));
    expect(closing.prevented).toBe(false);
    expect(hidden).toBe(1);
  });
});

/** A clock whose pending timers never fire, as during system sleep; `now` moves only when the test sets it. */
class SleepingClock implements Clock {
  constructor(public time: number) {}
  now(): number {
    return this.time;
  }
  sleepUntil(t: number, signal?: AbortSignal): Promise<void> {
    if (t <= this.time) return Promise.resolve();
    return new Promise((_resolve, reject) =>
      signal?.addEventListener('abort', () => reject(signal.reason as Error)),
    );
  }
}

describe('sleep and resume', () => {
  it('are noted in the log; on resume the runs that came due during sleep start at once', async () => {
    const clock = new SleepingClock(Date.parse('2026-03-11T13:30:00Z'));
    d = await openDesktopOn({ 'n.yaml': 'program: {type: no-op}\n' }, { clock });
    const power = new FakePowerMonitor();
    watchPower(power, d.host, d.log);
    const [run] = await d.value<RunJson[]>('schedule', [
      { job_id: 'n', args: {}, schedule: '2026-03-11T13:31:00Z' },
    ]);
    power.emit('suspend');
    clock.time = Date.parse('2026-03-11T15:00:00Z');
    expect(d.host.current?.app.engine.runs.get(run?.run_id ?? '')?.state).toBe('scheduled');
    power.emit('resume');
    await waitFor(appOf(d), run?.run_id ?? '', 'success');
    expect(d.log.lines).toContain('info: system going to sleep: no run starts until it resumes');
    expect(d.log.lines).toContain('info: system resumed: starting runs that came due during sleep');
  });
});
