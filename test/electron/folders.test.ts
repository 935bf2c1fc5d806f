// Open Job Folder (SPEC 19.6): the old engine shut down per 12.4, a new one on the new folder with its database
// under userData (13.1), the folder recorded in the recent list; and the desktop features around a folder.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EVENTS, type DesktopFolder, type EventPayloads } from '../../shared/api/ipc.js';
import type { RunJson } from '../../shared/model/run.js';
import { dbPathFor, EngineHost, FolderError } from '../../main/electron/engine-host.js';
import { SqliteStore } from '../../main/store/sqlite-store.js';
import { addRecent, MAX_RECENT, RecentFolders } from '../../main/electron/recents.js';
import { waitFor } from '../engine/harness.js';
import { SystemClock } from '../../main/engine/clock.js';
import { FakeLog } from '../fakes/electron.js';
import { jobFolder } from '../helpers/folders.js';
import { appOf, openDesktop, openDesktopOn, type Desktop } from './desktop-harness.js';

vi.mock('electron', () => {
  throw new Error('tests must not load electron');
});

let d: Desktop | undefined;
afterEach(async () => {
  await d?.close();
  d = undefined;
});

const expectedDb = (userData: string, folder: string): string =>
  join(userData, 'folders', createHash('sha256').update(folder).digest('hex').slice(0, 16), 'apsis.db');

describe('open folder', () => {
  it('switches the engine: the old one shut down cleanly, the new one on the new folder with its DB under userData', async () => {
    d = openDesktop();
    const first = jobFolder({ 'a.yaml': 'program: {type: no-op}\n' });
    const second = jobFolder({ 'b.yaml': 'program: {type: no-op}\n' });
    d.dialog.openAnswer = first;
    expect(await d.value<DesktopFolder>('openFolder', [])).toEqual({
      path: first,
      recent: [{ path: first, missing: false }],
    });
    const old = d.host.current;
    expect(old?.dbPath).toBe(expectedDb(d.userData, first));
    expect(existsSync(`${old?.dbPath ?? ''}.lock`)).toBe(true);
    const [run] = await d.value<RunJson[]>('schedule', [{ job_id: 'a', args: {} }]);
    await waitFor(appOf(d), run?.run_id ?? '', 'success');

    await d.value('subscribeSummary', ['s']);
    d.dialog.openAnswer = second;
    const state = await d.value<DesktopFolder>('openFolder', []);
    expect(state).toEqual({
      path: second,
      recent: [
        { path: second, missing: false },
        { path: first, missing: false },
      ],
    });
    // The old engine is down: its lock released, its database closed, its clock written (SPEC 12.4).
    expect(existsSync(`${old?.dbPath ?? ''}.lock`)).toBe(false);
    expect(() => old?.app.engine.store.getClock()).toThrow(/not open/);
    const now = d.host.current;
    expect(now?.folder).toBe(second);
    expect(now?.dbPath).toBe(expectedDb(d.userData, second));
    expect(existsSync(now?.dbPath ?? '')).toBe(true);
    expect((await d.value<{ job_id: string }[]>('jobs', [])).map((j) => j.job_id)).toEqual(['b']);
    // The summary subscription started again on the new engine with a fresh init (frames go out paced, one a turn).
    const summaries = () => d?.contents.payloads(EVENTS.summary) as EventPayloads['summary'][];
    await expect.poll(() => summaries().at(-1)?.reset).toBe(true);
    const last = summaries().at(-1);
    expect(last?.reset).toBe(true);
    expect(last?.messages[0]).toMatchObject({ type: 'job', job: { job_id: 'b' } });

    // Back to the first folder: the same database again, with its run.
    await d.host.open(first);
    expect(d.host.current?.dbPath).toBe(expectedDb(d.userData, first));
    expect((await d.value<RunJson>('run', [run?.run_id])).state).toBe('success');
    expect(d.host.recents.paths()).toEqual([first, second]);
  });

  it('a cancelled dialog changes nothing', async () => {
    d = await openDesktopOn({ 'a.yaml': 'program: {type: no-op}\n' });
    const before = d.host.current;
    d.dialog.openAnswer = null;
    expect((await d.value<DesktopFolder>('openFolder', [])).path).toBe(before?.folder);
    expect(d.host.current).toBe(before);
  });

  it('a folder with a broken settings file is refused and the previous folder stays open', async () => {
    const desktop = await openDesktopOn({ 'a.yaml': 'program: {type: no-op}\n' });
    d = desktop;
    const bad = jobFolder({
      '.apsis.yaml': 'schedule: {horizon: soon}\n',
      'b.yaml': 'program: {type: no-op}\n',
    });
    await expect(d.host.open(bad)).rejects.toThrow(FolderError);
    await expect(d.host.open(bad)).rejects.toThrow(/schedule\.horizon/);
    expect(d.host.current?.folder).toBe(desktop.folder);
    expect(d.host.recents.paths()).toEqual([desktop.folder]);
    const r = await d.call('openRecent', [bad]);
    expect(r).toMatchObject({
      ok: false,
      error: { status: 400, message: `${bad} is not in the recent folders list` },
    });
  });

  it('a folder whose database is held by another engine is refused; the previous one is opened again', async () => {
    const desktop = await openDesktopOn({ 'a.yaml': 'program: {type: no-op}\n' });
    d = desktop;
    const other = jobFolder({ 'b.yaml': 'program: {type: no-op}\n' });
    // A second host on the same userData, as a second process would be: its engine holds the DB of `other`.
    const rival = new EngineHost({
      userData: d.userData,
      clock: new SystemClock(),
      askMaxAge: () => Promise.resolve('close'),
      log: new FakeLog(),
    });
    await rival.open(other);
    try {
      await expect(d.host.open(other)).rejects.toThrow(FolderError);
      expect(d.host.current?.folder).toBe(desktop.folder);
      expect(d.host.recents.paths()).toEqual([desktop.folder]);
    } finally {
      await rival.shutdown();
    }
  });

  it('runs missed for longer than schedule.max_age: the operator chooses to close, skip them or catch up', async () => {
    d = openDesktop();
    const folder = jobFolder({
      '.apsis.yaml': 'schedule: {max_age: 1h}\n',
      'tick.yaml': 'schedule: {type: interval, interval: 1h}\nprogram: {type: no-op}\n',
    });
    const dbPath = dbPathFor(d.userData, folder);
    await d.host.open(folder);
    await d.host.shutdown();
    /** As if the app had been closed for `hours`. */
    const closedFor = (hours: number): void => {
      const store = SqliteStore.open(dbPath);
      store.setClock(Date.now() / 1000 - hours * 3600);
      store.close();
    };
    closedFor(5);
    d.maxAgeAnswers.push('close');
    expect(await d.host.open(folder)).toBeNull();
    expect(d.host.current).toBeNull();
    expect(d.maxAgeAnswers).toEqual([]);

    d.maxAgeAnswers.push('skip');
    const skipped = await d.host.open(folder);
    expect([...(skipped?.app.engine.runs.all() ?? [])].filter((r) => r.state !== 'scheduled')).toEqual([]);
    await d.host.shutdown();

    closedFor(5);
    d.maxAgeAnswers.push('catch-up');
    const caught = await d.host.open(folder);
    const started = [...(caught?.app.engine.runs.all() ?? [])].filter((r) => r.state !== 'scheduled');
    expect(started.length).toBeGreaterThanOrEqual(4); // every missed hour runs at once
  });
});

describe('recent folders', () => {
  it('most recent first, no duplicates, at most 10', () => {
    let list: string[] = [];
    for (let i = 0; i < 12; i += 1) list = addRecent(list, `/f${i}`);
    expect(list).toHaveLength(MAX_RECENT);
    expect(list[0]).toBe('/f11');
    list = addRecent(list, '/f5');
    expect(list.slice(0, 3)).toEqual(['/f5', '/f11', '/f10']);
    expect(new Set(list).size).toBe(list.length);
  });

  it('are stored in userData, survive a restart, and missing folders are marked', () => {
    const userData = mkdtempSync(join(tmpdir(), 'apsis-userdata-'));
    const file = join(userData, 'recent-folders.json');
    const a = jobFolder({});
    const b = jobFolder({});
    const recents = new RecentFolders(file);
    recents.add(a);
    recents.add(b);
    recents.add(a);
    rmSync(b, { recursive: true });
    expect(new RecentFolders(file).list()).toEqual([
      { path: a, missing: false },
      { path: b, missing: true },
    ]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual([a, b]);
    writeFileSync(file, '{not json');
    expect(new RecentFolders(file).list()).toEqual([]);
  });

  it('a missing recent folder cannot be opened; the menu state marks it', async () => {
    d = openDesktop();
    const gone = jobFolder({ 'a.yaml': 'program: {type: no-op}\n' });
    await d.host.open(gone);
    await d.host.shutdown();
    rmSync(gone, { recursive: true });
    expect(await d.value('folder', [])).toEqual({ path: null, recent: [{ path: gone, missing: true }] });
    expect(await d.call('openRecent', [gone])).toMatchObject({ ok: false, error: { status: 404 } });
  });

  it('the database path is the first 16 hex digits of the SHA-256 of the absolute folder path', () => {
    expect(dbPathFor('/u', '/jobs/etl')).toBe(
      join('/u', 'folders', createHash('sha256').update('/jobs/etl').digest('hex').slice(0, 16), 'apsis.db'),
    );
    expect(dbPathFor('/u', '/jobs/etl/../etl')).toBe(dbPathFor('/u', '/jobs/etl'));
  });
});
