// Quit (SPEC 12.4, 19.6): confirmation when runs are in flight, a clean engine shutdown, runs left to their
// supervisors and recovered at the next start; the window hides instead of closing; sleep and resume.
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunJson } from '../../shared/model/run.js';
import type { OpenEngine } from '../../main/electron/engine-host.js';
import {
  inFlightRuns,
  QUIT_WATCHDOG_MS,
  QuitFlow,
  quitMessage,
  watchPower,
  watchSystemQuit,
  type QuitHost,
} from '../../main/electron/lifecycle.js';
import { ConsoleWindow, dialogParent } from '../../main/electron/window.js';
import type { Clock } from '../../main/engine/clock.js';
import { SqliteStore } from '../../main/store/sqlite-store.js';
import { logOf, waitFor } from '../engine/harness.js';
import { FakeEvent, FakePowerMonitor, FakeSignals, FakeWindow } from '../fakes/electron.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { appOf, openDesktopOn, type Desktop } from './desktop-harness.js';

vi.mock('electron', () => {
  throw new Error('tests must not load electron');
});

let d: Desktop | undefined;
afterEach(async () => {
  await d?.close();
  d = undefined;
});

interface QuitOptions {
  host?: QuitHost;
  clock?: Clock;
  /** Called when the flow shows the console window. */
  showWindow?: () => void;
  /** Answers the question instead of `answers` (e.g. never). */
  confirm?: (inFlight: number) => Promise<boolean>;
}

/** A QuitFlow on the desktop's host; `answers` answer the question in turn (an Error: the dialog failed). */
function quitFlow(desktop: Desktop, answers: (boolean | Error)[], options: QuitOptions = {}) {
  const asked: number[] = [];
  const exits: number[] = [];
  let quits = 0;
  let shown = 0;
  const flow = new QuitFlow({
    host: options.host ?? desktop.host,
    confirm: (n) => {
      asked.push(n);
      if (options.confirm !== undefined) return options.confirm(n);
      const answer = answers.shift() ?? false;
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
    showWindow: () => {
      shown += 1;
      options.showWindow?.();
    },
    quit: () => (quits += 1),
    exit: (code) => exits.push(code),
    clock: options.clock ?? new FakeClock(Date.parse('2026-03-11T13:30:00Z')),
    log: desktop.log,
  });
  return { flow, asked, exits, quits: () => quits, shown: () => shown };
}

/** Schedules `nap` and waits until its process runs. */
async function napRunning(desktop: Desktop): Promise<{ id: string; engine: OpenEngine }> {
  const [run] = await desktop.value<RunJson[]>('schedule', [{ job_id: 'nap', args: {} }]);
  const engine = desktop.host.current;
  if (engine === null) throw new Error('not open');
  await waitFor(engine.app, run?.run_id ?? '', 'running');
  return { id: run?.run_id ?? '', engine };
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

describe('quit from the tray with runs in flight', () => {
  it('shows and focuses the hidden window first, and asks on it', async () => {
    const desktop = await openDesktopOn({ 'nap.yaml': 'program: sleep 2\n' });
    d = desktop;
    const win = new FakeWindow();
    const consoleWindow = new ConsoleWindow(() => win);
    consoleWindow.show();
    win.paint();
    await napRunning(desktop);
    // The operator closed the window: hidden, the engine running on in the tray.
    const seen: { visible: boolean; focused: boolean; attachedTo: FakeWindow | null }[] = [];
    const { flow, asked } = quitFlow(desktop, [], {
      showWindow: () => consoleWindow.show(),
      confirm: () => {
        seen.push({
          visible: win.visible,
          focused: win.focused,
          attachedTo: dialogParent(consoleWindow.current),
        });
        return Promise.resolve(false);
      },
    });
    flow.onWindowClose(new FakeEvent(), () => {
      consoleWindow.hidden();
      win.hide();
    });
    expect(win.visible).toBe(false);
    expect(dialogParent(consoleWindow.current)).toBeNull(); // a question now would hang on no visible window

    flow.onBeforeQuit(new FakeEvent()); // the tray's Quit
    await flow.done;
    expect(asked).toEqual([1]);
    expect(seen).toEqual([{ visible: true, focused: true, attachedTo: win }]);
    expect(win.actions.slice(-3)).toEqual(['hide', 'show', 'focus']);
  });

  it('a quit answered no, or whose question failed, leaves the app quittable; a second Quit brings the question back', async () => {
    const desktop = await openDesktopOn({ 'nap.yaml': 'program: sleep 2\n' });
    d = desktop;
    const { id, engine } = await napRunning(desktop);
    const { flow, asked, quits, shown } = quitFlow(desktop, [false, new Error('dialog gone'), true]);

    flow.onBeforeQuit(new FakeEvent());
    await flow.done;
    expect([asked, quits(), desktop.host.current]).toEqual([[1], 0, engine]);

    flow.onBeforeQuit(new FakeEvent());
    await flow.done;
    expect([asked, quits(), desktop.host.current]).toEqual([[1, 1], 0, engine]);
    expect(desktop.log.lines).toContain('error: the quit question failed; not quitting: Error: dialog gone');

    const event = new FakeEvent();
    flow.onBeforeQuit(event);
    const showsBefore = shown();
    const again = new FakeEvent();
    flow.onBeforeQuit(again); // Quit again while the question is open: asked once, the window shown again
    expect(again.prevented).toBe(true);
    expect(shown()).toBe(showsBefore + 1);
    await flow.done;
    expect([asked, quits(), desktop.host.current]).toEqual([[1, 1, 1], 1, null]);
    const store = SqliteStore.open(engine.dbPath);
    expect(store.getRun(id)?.state).toBe('running'); // left to its supervisor, recovered at the next start
    store.close();
  });
});

describe('system shutdown, logout and quit signals', () => {
  it('SIGTERM, SIGHUP or SIGINT: no question; the engine shuts down per SPEC 12.4 and the app quits', async () => {
    for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) {
      const desktop = await openDesktopOn({ 'nap.yaml': 'program: sleep 1.5\n' });
      d = desktop;
      const { id, engine } = await napRunning(desktop);
      const { flow, asked, quits } = quitFlow(desktop, [false]);
      const signals = new FakeSignals();
      watchSystemQuit(signals, new FakePowerMonitor(), flow);
      signals.emit(signal);
      // Electron's own quit then comes through before-quit: held until the engine is down, then let through.
      const event = new FakeEvent();
      flow.onBeforeQuit(event);
      expect(event.prevented).toBe(true);
      await flow.done;
      expect([asked, quits(), desktop.host.current]).toEqual([[], 1, null]);
      expect(desktop.log.lines).toContain(`info: received ${signal}: shutting the engine down and quitting`);
      const store = SqliteStore.open(engine.dbPath);
      expect(store.getRun(id)?.state).toBe('running');
      store.close();
      const after = new FakeEvent();
      flow.onBeforeQuit(after);
      expect(after.prevented).toBe(false);
    }
  });

  it("powerMonitor 'shutdown' is held for the clean shutdown and drops a question already open", async () => {
    const desktop = await openDesktopOn({ 'nap.yaml': 'program: sleep 2\n' });
    d = desktop;
    await napRunning(desktop);
    let answer: (yes: boolean) => void = () => {};
    const { flow, asked, quits } = quitFlow(desktop, [], {
      confirm: () => new Promise((resolve) => (answer = resolve)),
    });
    const power = new FakePowerMonitor();
    watchSystemQuit(new FakeSignals(), power, flow);
    flow.onBeforeQuit(new FakeEvent()); // the operator's Quit: the question is open
    await Promise.resolve();
    expect(asked).toEqual([1]);

    const shutdown = new FakeEvent();
    power.emit('shutdown', shutdown);
    expect(shutdown.prevented).toBe(true); // the system waits for the app (logind's delay lock)
    await flow.done;
    expect([quits(), desktop.host.current]).toEqual([1, null]);
    answer(false); // the dialog closes as the app goes: its late Cancel changes nothing
    await Promise.resolve();
    expect(flow.quitting).toBe(true);
    expect(quits()).toBe(1);
  });

  it('a shutdown that hangs: the watchdog exits the process 10 s after the engine began shutting down', async () => {
    const desktop = await openDesktopOn({ 'n.yaml': 'program: {type: no-op}\n' });
    d = desktop;
    const clock = new FakeClock(Date.parse('2026-03-11T13:30:00Z'));
    const hung: QuitHost = { current: desktop.host.current, shutdown: () => new Promise(() => {}) };
    const { flow, exits, quits } = quitFlow(desktop, [], { host: hung, clock });
    const signals = new FakeSignals();
    watchSystemQuit(signals, new FakePowerMonitor(), flow);
    signals.emit('SIGTERM');
    signals.emit('SIGTERM'); // systemd may signal again: one watchdog
    await clock.advance(QUIT_WATCHDOG_MS - 1);
    expect(exits).toEqual([]);
    await clock.advance(1);
    expect(exits).toEqual([1]);
    expect(quits()).toBe(0);
    expect(desktop.log.lines).toContain(
      'error: the quit did not finish within 10 s (engine shutdown hung): exiting',
    );
  });

  it("the operator's quit is watched too, and a quit that finishes in time is not cut short", async () => {
    const desktop = await openDesktopOn({ 'n.yaml': 'program: {type: no-op}\n' });
    d = desktop;
    const clock = new FakeClock(Date.parse('2026-03-11T13:30:00Z'));
    const hung: QuitHost = { current: desktop.host.current, shutdown: () => new Promise(() => {}) };
    const stuck = quitFlow(desktop, [], { host: hung, clock });
    stuck.flow.onBeforeQuit(new FakeEvent());
    await clock.advance(QUIT_WATCHDOG_MS);
    expect(stuck.exits).toEqual([1]);

    const calm = quitFlow(desktop, [], { clock });
    calm.flow.onBeforeQuit(new FakeEvent());
    await calm.flow.done;
    expect(calm.quits()).toBe(1);
    await clock.advance(QUIT_WATCHDOG_MS - 1);
    expect(calm.exits).toEqual([]); // app.quit() normally ends the process well before the watchdog
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
