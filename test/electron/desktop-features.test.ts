// Desktop features of SPEC 19.6 against fakes: reveal a job's file, open the folder, export stats through a save
// dialog, the File menu with recent folders, the tray counts and failure notifications.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunJson } from '../../shared/model/run.js';
import { appMenu, type MenuActions } from '../../main/electron/menu.js';
import { FailureNotifier } from '../../main/electron/notify.js';
import type { MenuItemSpec } from '../../main/electron/ports.js';
import { runCounts, TrayStatus } from '../../main/electron/tray.js';
import { waitFor } from '../engine/harness.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { collectGarbage, FakeNotifications } from '../fakes/electron.js';
import { appOf, openDesktopOn, type Desktop } from './desktop-harness.js';

vi.mock('electron', () => {
  throw new Error('tests must not load electron');
});

let d: Desktop | undefined;
afterEach(async () => {
  await d?.close();
  d = undefined;
});

describe('job folder features', () => {
  it('reveals a job file in the file manager and opens the folder', async () => {
    const desktop = await openDesktopOn({ 'etl/load.yaml': 'program: {type: no-op}\n' });
    d = desktop;
    expect(await d.call('revealJobFile', ['etl/load'])).toEqual({ ok: true });
    expect(await d.call('revealJobFile', ['load'])).toEqual({ ok: true }); // fuzzy, as everywhere
    expect(d.shell.revealed).toEqual([
      join(desktop.folder, 'etl', 'load.yaml'),
      join(desktop.folder, 'etl', 'load.yaml'),
    ]);
    expect(await d.call('revealJobFile', ['nope'])).toMatchObject({ ok: false, error: { status: 404 } });
    await d.value('showJobFolder', []);
    expect(d.shell.openedPaths).toEqual([desktop.folder]);
    d.shell.openPathError = 'no file manager';
    expect(await d.call('showJobFolder', [])).toEqual({
      ok: false,
      error: { status: 500, message: `cannot open ${desktop.folder}: no file manager` },
    });
  });

  it('saves the stats history CSV where the save dialog says; cancelling writes nothing', async () => {
    const desktop = await openDesktopOn({ 'a.yaml': 'program: {type: no-op}\n' });
    d = desktop;
    desktop.host.current?.app.store.insertStats(1_773_235_800, {
      time: 'x',
      runs: { num_running: 2 },
    });
    const target = join(desktop.userData, 'stats.csv');
    d.dialog.saveAnswer = target;
    // A range that ends before today: the engine's own samples (every 10 s from now on) are not in it.
    expect(await d.value('saveStatsCsv', ['2026-03-11T00:00:00Z', '2026-03-12T00:00:00Z'])).toBe(target);
    expect(readFileSync(target, 'utf8')).toBe('time,runs.num_running\r\n2026-03-11T13:30:00.000Z,2\r\n');
    const [save] = d.dialog.calls;
    expect(save?.options).toMatchObject({
      defaultPath: join(desktop.userData, 'apsis-stats-2026-03-11T133000.csv'),
      filters: [{ name: 'CSV', extensions: ['csv'] }],
    });
    d.dialog.saveAnswer = null;
    expect(await d.value('saveStatsCsv', [null, null])).toBeNull();
    expect(await d.call('saveStatsCsv', ['2026-03-12T00:00:00Z', '2026-03-11T00:00:00Z'])).toMatchObject({
      ok: false,
      error: { status: 400, message: 'from must not be later than to' },
    });
    expect(d.dialog.calls).toHaveLength(2); // no dialog for a bad range
  });
});

describe('the File menu', () => {
  const actions = (): MenuActions & { calls: string[] } => {
    const calls: string[] = [];
    return {
      calls,
      openFolder: () => calls.push('open'),
      openRecent: (p) => calls.push(`recent ${p}`),
      reloadJobs: () => calls.push('reload'),
      showJobFolder: () => calls.push('show'),
      exportStatsCsv: () => calls.push('export'),
      quit: () => calls.push('quit'),
    };
  };
  const find = (items: MenuItemSpec[], label: string): MenuItemSpec | undefined =>
    items.flatMap((i) => [i, ...(i.submenu ?? [])]).find((i) => i.label === label);

  it('has Open Job Folder and the recent folders, most recent first, missing ones marked and disabled', () => {
    const a = actions();
    const menu = appMenu(
      {
        path: '/jobs/a',
        recent: [
          { path: '/jobs/a', missing: false },
          { path: '/jobs/gone', missing: true },
          { path: '/jobs/b', missing: false },
        ],
      },
      a,
      false,
    );
    find(menu, 'Open Job Folder…')?.click?.();
    const recent = find(menu, 'Open Recent')?.submenu ?? [];
    expect(recent.map((r) => [r.label, r.enabled])).toEqual([
      ['/jobs/a', false],
      ['/jobs/gone (missing)', false],
      ['/jobs/b', true],
    ]);
    recent[2]?.click?.();
    find(menu, 'Export Stats History…')?.click?.();
    expect(a.calls).toEqual(['open', 'recent /jobs/b', 'export']);
    expect(JSON.stringify(menu)).not.toContain('toggleDevTools');
    expect(JSON.stringify(appMenu({ path: null, recent: [] }, a, true))).toContain('toggleDevTools');
    expect(find(appMenu({ path: null, recent: [] }, a, false), 'Reload Jobs')?.enabled).toBe(false);
  });
});

describe('tray and notifications', () => {
  it('counts running and failed runs', () => {
    expect(runCounts({ running: 1, stopping: 1, failure: 1, error: 1, success: 1 })).toEqual({
      running: 2,
      failed: 2,
    });
  });

  it('the tray shows the counts of the open engine, updated in batches', async () => {
    const clock = new FakeClock(Date.parse('2026-03-11T13:30:00Z'));
    d = await openDesktopOn(
      {
        'bad.yaml': 'program: {type: no-op, success: false}\n',
        'nap.yaml': 'program: {type: no-op, duration: 60}\n',
      },
      { clock },
    );
    const tips: string[] = [];
    const menus: MenuItemSpec[][] = [];
    const tray = new TrayStatus(
      { setToolTip: (t) => tips.push(t), setMenu: (m) => menus.push(m) },
      { show: () => {}, quit: () => {} },
    );
    expect(tips.at(-1)).toBe('Apsis Console: no job folder open');
    tray.attach(d.host.current);
    expect(tips.at(-1)).toBe('Apsis Console: 0 running, 0 failed');
    await d.value('schedule', [{ job_id: 'bad', args: {} }]);
    await d.value('schedule', [{ job_id: 'nap', args: {} }]);
    await clock.advance(500);
    expect(tips.at(-1)).toBe('Apsis Console: 1 running, 1 failed');
    expect(menus.at(-1)?.map((m) => m.label)).toContain('1 running, 1 failed');
    tray.attach(null);
    expect(tips.at(-1)).toBe('Apsis Console: no job folder open');
  });

  it('a failed run raises one native notification; failures within a second are coalesced', async () => {
    const clock = new FakeClock(Date.parse('2026-03-11T13:30:00Z'));
    d = await openDesktopOn(
      { 'bad.yaml': 'params: [i]\nprogram: {type: no-op, success: false}\n' },
      { clock },
    );
    const notes = new FakeNotifications();
    let clicks = 0;
    const notifier = new FailureNotifier(notes.create, () => (clicks += 1));
    notifier.attach(d.host.current);
    const [one] = await d.value<RunJson[]>('schedule', [{ job_id: 'bad', args: { i: '1' } }]);
    await waitFor(appOf(d), one?.run_id ?? '', 'failure');
    await clock.advance(1000);
    expect(notes.shown.map((n) => [n.title, n.body])).toEqual([
      [`Run ${one?.run_id} failed`, `bad ${one?.run_id} (failure)`],
    ]);
    for (let i = 2; i <= 6; i += 1) await d.value('schedule', [{ job_id: 'bad', args: { i: String(i) } }]);
    await clock.advance(1000);
    expect(notes.shown).toHaveLength(2);
    expect(notes.shown[1]?.title).toBe('5 runs failed');
    expect(notes.shown[1]?.body.split('\n')).toHaveLength(4);
    expect(notes.shown[1]?.body).toMatch(/and 2 more$/);
    notes.click(1);
    expect(clicks).toBe(1);
  });

  it('a notification is kept until it is clicked or closed: a click after a garbage collection shows the window', async () => {
    const clock = new FakeClock(Date.parse('2026-03-11T13:30:00Z'));
    const desktop = await openDesktopOn(
      { 'bad.yaml': 'params: [i]\nprogram: {type: no-op, success: false}\n' },
      { clock },
    );
    d = desktop;
    const notes = new FakeNotifications();
    let clicks = 0;
    const notifier = new FailureNotifier(notes.create, () => (clicks += 1));
    notifier.attach(desktop.host.current);
    /** A run fails, and its notification is shown. */
    const fail = async (i: number): Promise<void> => {
      const [run] = await desktop.value<RunJson[]>('schedule', [{ job_id: 'bad', args: { i: String(i) } }]);
      await waitFor(appOf(desktop), run?.run_id ?? '', 'failure');
      await clock.advance(1000);
    };
    await fail(1);
    await fail(2);
    expect(notes.shown).toHaveLength(2);

    await collectGarbage();
    expect(notes.click(0)).toBe(true); // still reaches its listener
    expect(clicks).toBe(1);
    expect(notes.close(1)).toBe(true);
    // Clicked and closed notifications are let go: nothing holds them any more.
    await collectGarbage();
    expect([notes.alive(0), notes.alive(1)]).toEqual([false, false]);
    expect(clicks).toBe(1);

    // Electron does not promise `close` for every notification: only the newest 20 are held for their click.
    for (let i = 3; i <= 24; i += 1) await fail(i);
    expect(notes.shown).toHaveLength(24);
    await collectGarbage();
    expect(notes.shown.map((_n, i) => notes.alive(i)).filter(Boolean)).toHaveLength(20);
    expect([notes.alive(3), notes.alive(4), notes.alive(23)]).toEqual([false, true, true]);
  });
});
