// The preload bridge (STYLE.md section 3): exactly the shared contract, the IpcRendererEvent stripped, errors as
// ApiError; end to end over fake ipcRenderer/ipcMain into the real handlers and a real engine.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ConsoleApi, type SummaryMessage } from '../../shared/api/console-api.js';
import { EVENTS, REQUESTS } from '../../shared/api/ipc.js';
import { createBridge } from '../../preload/bridge.js';
import { waitFor } from '../engine/harness.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeIpcRenderer, FakeWebContents } from '../fakes/electron.js';
import { appOf, openDesktopOn, type Desktop } from './desktop-harness.js';

vi.mock('electron', () => {
  throw new Error('tests must not load electron');
});

let d: Desktop | undefined;
afterEach(async () => {
  await d?.close();
  d = undefined;
});

/** The methods of ConsoleApi, as the renderer sees them (kept in step with the interface by the type below). */
const CONSOLE_METHODS = [
  'jobs',
  'job',
  'run',
  'runLog',
  'output',
  'schedule',
  'operate',
  'signal',
  'mark',
  'reload',
  'plan',
  'runs',
  'attention',
  'stats',
  'statsHistory',
  'statsCsv',
  'subscribeSummary',
  'subscribeRun',
  'subscribeOutput',
] as const satisfies readonly (keyof ConsoleApi)[];
type Missing = Exclude<keyof ConsoleApi, (typeof CONSOLE_METHODS)[number]>;
const noneMissing: Missing[] = [];

describe('preload bridge', () => {
  it('exposes exactly the console API and the desktop requests: no ipcRenderer, invoke, send or process', () => {
    const bridge = createBridge({
      invoke: () => Promise.resolve({ ok: true, value: null }),
      on: () => undefined,
    });
    expect(noneMissing).toEqual([]);
    expect(Object.keys(bridge).sort()).toEqual([...CONSOLE_METHODS, 'desktop'].sort());
    expect(Object.keys(bridge.desktop).sort()).toEqual(
      ['folder', 'openFolder', 'openRecent', 'revealJobFile', 'showJobFolder', 'saveStatsCsv'].sort(),
    );
    const values = [
      ...Object.values(bridge as unknown as Record<string, unknown>),
      ...Object.values(bridge.desktop as unknown as Record<string, unknown>),
    ];
    for (const value of values) expect(typeof value === 'function' || value === bridge.desktop).toBe(true);
  });

  it('the preload entry exposes only the bridge, as window.apsis', () => {
    const source = readFileSync(new URL('../../preload/index.ts', import.meta.url), 'utf8');
    expect(source.match(/exposeInMainWorld\(/g)).toHaveLength(1);
    expect(source).toContain("contextBridge.exposeInMainWorld('apsis', createBridge(ipcRenderer));");
  });

  it('sends each request on its channel with its arguments as one array; errors become ApiError', async () => {
    const sent: unknown[][] = [];
    const bridge = createBridge({
      invoke: (...args) => {
        sent.push(args);
        return Promise.resolve({ ok: false, error: { status: 404, message: 'no run r9' } });
      },
      on: () => undefined,
    });
    const e = await bridge.run('r9').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 404, message: 'no run r9' });
    await expect(bridge.signal('r9', 'TERM')).rejects.toThrow('no run r9');
    expect(sent).toEqual([
      [REQUESTS.run.channel, ['r9']],
      [REQUESTS.signal.channel, ['r9', 'TERM']],
    ]);
    const odd = createBridge({ invoke: () => Promise.resolve('surprise'), on: () => undefined });
    await expect(odd.jobs()).rejects.toThrow('jobs: malformed answer from the engine');
  });

  it('works end to end: schedule a run, see it in the summary stream, unsubscribe', async () => {
    const clock = new FakeClock(Date.parse('2026-03-11T13:30:00Z'));
    d = await openDesktopOn({ 'a.yaml': 'program: {type: no-op}\n' }, { clock });
    const ipc = new FakeIpcRenderer(d.ipcMain, d.contents);
    const api = createBridge(ipc);
    const batches: SummaryMessage[][] = [];
    const states: string[] = [];
    let resets = 0;
    const stop = api.subscribeSummary(
      (m) => batches.push(m),
      (s) => states.push(s),
      () => (resets += 1),
    );
    await clock.advance(0);
    expect(states).toEqual(['connecting', 'open']);
    expect(resets).toBe(1);
    expect(batches[0]?.map((m) => m.type)).toEqual(['job', 'job_errors']);

    const [run] = await api.schedule({ job_id: 'a', args: {} });
    await waitFor(appOf(d), run?.run_id ?? '', 'success');
    await clock.advance(500);
    expect(batches[1]?.map((m) => m.type)).toEqual(Array(4).fill('run_transition'));
    expect((await api.run(run?.run_id ?? '')).state).toBe('success');
    expect(await api.jobs()).toHaveLength(1);

    // The callback gets the payload only: the IpcRendererEvent never reaches the page.
    for (const b of batches) for (const m of b) expect(JSON.stringify(m)).not.toContain('ipcRenderer');
    stop();
    await clock.advance(0);
    expect(d.subscriptions.size).toBe(0);
    await api.schedule({ job_id: 'a', args: {} });
    await clock.advance(1000);
    expect(batches).toHaveLength(2);
  });

  it('ignores events of other subscriptions and malformed payloads', async () => {
    d = await openDesktopOn({ 'echo.yaml': 'program: echo hi\n' });
    const ipc = new FakeIpcRenderer(d.ipcMain, d.contents);
    const api = createBridge(ipc);
    const chunks: [string, number][] = [];
    let ended = 0;
    const [run] = await api.schedule({ job_id: 'echo', args: {} });
    await waitFor(appOf(d), run?.run_id ?? '', ['success', 'failure']);
    d.contents.send(EVENTS.output, { sub: 'someone-else', text: 'x', end: 1 });
    d.contents.send(EVENTS.output, 'garbage');
    api.subscribeOutput(
      run?.run_id ?? '',
      0,
      (t, e) => chunks.push([t, e]),
      () => (ended += 1),
    );
    await vi.waitFor(() => expect(ended).toBe(1));
    expect(chunks).toEqual([['hi\n', 3]]);
    // A refused subscription ends at once.
    api.subscribeOutput(
      'r424242',
      0,
      () => {},
      () => (ended += 1),
    );
    await vi.waitFor(() => expect(ended).toBe(2));
  });

  it('a bridge in a foreign page gets nothing but refusals', async () => {
    d = await openDesktopOn({ 'a.yaml': 'program: {type: no-op}\n' });
    const api = createBridge(new FakeIpcRenderer(d.ipcMain, new FakeWebContents(), 'https://evil.example/'));
    await expect(api.jobs()).rejects.toMatchObject({ status: 403 });
    await expect(api.desktop.openFolder()).rejects.toMatchObject({ status: 403 });
    expect(d.dialog.calls).toEqual([]);
  });
});

describe('the bundled preload (dist/preload/index.cjs)', () => {
  it('is one CommonJS file that requires only electron, and exposes the bridge as window.apsis', () => {
    // Built as `npm run build` builds it; a sandboxed preload could not require anything else.
    execFileSync(
      process.execPath,
      ['node_modules/vite/bin/vite.js', 'build', '-c', 'vite.preload.config.ts', '--logLevel', 'warn'],
      {
        cwd: new URL('../../', import.meta.url),
      },
    );
    const code = readFileSync(new URL('../../dist/preload/index.cjs', import.meta.url), 'utf8');
    const required: string[] = [];
    const exposed: Record<string, unknown> = {};
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
      ipcRenderer: { invoke: () => Promise.resolve({ ok: true, value: [] }), on: () => undefined },
    };
    const sandboxRequire = (name: string): unknown => {
      required.push(name);
      if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
      return electron;
    };
    runInNewContext(code, { require: sandboxRequire, module: { exports: {} }, exports: {}, Math, Promise });
    expect(required).toEqual(['electron']);
    expect(Object.keys(exposed)).toEqual(['apsis']);
    expect(Object.keys(exposed['apsis'] as object)).toContain('subscribeSummary');
  });
});
