// One contract, two transports (issue 14): the same script of operations through the console's HTTP client against a
// real `apsis serve` server, and through the real desktop preload bridge against the real IPC handlers, gives the
// same results and the same error statuses and messages, a database fault included.
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, type ConsoleApi } from '../../shared/api/console-api.js';
import type { App } from '../../main/engine/app.js';
import { HttpClient } from '../../renderer/src/lib/http-client.js';
import { createBridge } from '../../preload/bridge.js';
import { FakeIpcRenderer } from '../fakes/electron.js';
import { appOf, openDesktopOn } from '../electron/desktop-harness.js';
import { openServer } from '../server/server-harness.js';

const JOBS = {
  'nap.yaml': 'program: {type: shell, command: "sleep 30", stop: {grace_period: 5}}\n',
  'noop.yaml': 'params: [who]\nprogram: {type: no-op}\n',
  'fails.yaml': 'program: "exit 3"\n',
};

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

type Step =
  { step: string; ok: true; value: unknown } | { step: string; ok: false; status: number; message: string };

/** What a transcript keeps of a value: no times (the two engines run at different moments). */
function plain(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value ?? null, (key, v: unknown) =>
      key === 'times' || key === 'timestamp' || key === 'when' || key === 'meta' || key === 'next_time'
        ? undefined
        : v,
    ),
  );
}

async function step(log: Step[], name: string, call: () => Promise<unknown>): Promise<unknown> {
  try {
    const value = await call();
    log.push({ step: name, ok: true, value: plain(value) });
    return value;
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    log.push({ step: name, ok: false, status: e.status, message: e.message });
    return undefined;
  }
}

async function until(api: ConsoleApi, runId: string, states: string[]): Promise<void> {
  for (let i = 0; i < 400; i += 1) {
    if (states.includes((await api.run(runId)).state)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${runId} did not reach ${states.join('|')}`);
}

/** The script: every kind of request and of refusal, then a database that cannot be written. */
async function script(api: ConsoleApi, app: App): Promise<Step[]> {
  const log: Step[] = [];
  const later = '2099-01-01T00:00:00Z';
  await step(log, 'jobs', async () => (await api.jobs()).map((j) => j.job_id));
  await step(log, 'job fuzzy', async () => (await api.job('noo')).job_id);
  await step(log, 'job unknown', () => api.job('nope'));
  await step(log, 'schedule unknown job', () => api.schedule({ job_id: 'nope', args: {} }));
  await step(log, 'schedule missing arg', () => api.schedule({ job_id: 'noop', args: {} }));
  await step(log, 'schedule bad time', () =>
    api.schedule({ job_id: 'noop', args: { who: 'a' }, schedule: 'soon' }),
  );
  await step(log, 'schedule out of range', () =>
    api.schedule({ job_id: 'noop', args: { who: 'a' }, schedule: later, stop: '200000000d' }),
  );
  const [later1] = (await step(log, 'schedule later', () =>
    api.schedule({ job_id: 'noop', args: { who: 'a' }, schedule: later }),
  )) as { run_id: string }[];
  const id = later1?.run_id ?? '';
  await step(log, 'stop a scheduled run', () => api.operate(id, 'stop'));
  await step(log, 'signal a scheduled run', () => api.signal(id, 'TERM'));
  await step(log, 'mark a scheduled run', () => api.mark(id, 'success'));
  await step(log, 'skip', () => api.operate(id, 'skip'));
  await step(log, 'skip again', () => api.operate(id, 'skip'));
  await step(log, 'mark skipped as success', () => api.mark(id, 'success'));
  await step(log, 'mark again', () => api.mark(id, 'success'));
  await step(log, 'log', async () => (await api.runLog(id)).map((e) => e.message));
  await step(log, 'rerun', () => api.operate(id, 'rerun'));

  const [nap] = (await step(log, 'schedule nap', () => api.schedule({ job_id: 'nap', args: {} }))) as {
    run_id: string;
  }[];
  const napId = nap?.run_id ?? '';
  await until(api, napId, ['running']);
  await step(log, 'start a running run', () => api.operate(napId, 'start'));
  await step(log, 'signal unknown', () => api.signal(napId, 'NOPE'));
  await step(log, 'mark a running run', () => api.mark(napId, 'failure'));
  await step(log, 'stop', () => api.operate(napId, 'stop'));
  await until(api, napId, ['success', 'failure', 'error']);
  await step(log, 'stopped', async () => (await api.run(napId)).state);

  const [fails] = (await step(log, 'schedule fails', () => api.schedule({ job_id: 'fails', args: {} }))) as {
    run_id: string;
  }[];
  await until(api, fails?.run_id ?? '', ['failure']);
  await step(log, 'failed output', () => api.output(fails?.run_id ?? ''));
  await step(log, 'unknown run', () => api.run('r99999'));
  await step(log, 'unknown run log', () => api.runLog('r99999'));
  await step(log, 'reload dry run', () => api.reload(true));
  await step(log, 'stats history bad range', () => api.statsHistory('yesterday', null, null));

  // The database can no longer be written: an operator's changes are refused with the reason, on both transports.
  app.store.db.pragma('query_only = 1');
  app.engine.createRun('noop', { who: 'held' });
  for (let i = 0; i < 200 && app.store.writeFailure === null; i += 1)
    await new Promise((r) => setTimeout(r, 10));
  await step(log, 'schedule during fault', () => api.schedule({ job_id: 'noop', args: { who: 'b' } }));
  await step(log, 'mark during fault', () => api.mark(fails?.run_id ?? '', 'success'));
  await step(log, 'reload during fault', () => api.reload(false));
  app.store.db.pragma('query_only = 0');
  for (let i = 0; i < 400 && app.store.writeFailure !== null; i += 1)
    await new Promise((r) => setTimeout(r, 10));
  await step(log, 'mark after fault', () => api.mark(fails?.run_id ?? '', 'success'));
  // The two engines' databases are different files.
  const db = app.store.db.name;
  return log.map((s) => (s.ok ? s : { ...s, message: s.message.replaceAll(db, '<db>') }));
}

describe('the console contract over HTTP and over IPC', () => {
  it('one script gives the same results and the same errors on both transports', async () => {
    const server = await openServer(JOBS, { warn: () => {} });
    closers.push(() => server.close());
    const overHttp = await script(new HttpClient(server.url, null), server.app);

    const desktop = await openDesktopOn(JOBS);
    closers.push(() => desktop.close());
    const bridge = createBridge(new FakeIpcRenderer(desktop.ipcMain, desktop.contents));
    const overIpc = await script(bridge, appOf(desktop));

    expect(overIpc).toEqual(overHttp);
    // And the script saw what it was meant to: refusals of each kind, a 503 for each change during the fault.
    const status = (name: string): number | 'ok' => {
      const s = overHttp.find((x) => x.step === name);
      return s === undefined ? -1 : s.ok ? 'ok' : s.status;
    };
    expect(status('job unknown')).toBe(404);
    expect(status('schedule unknown job')).toBe(400);
    expect(status('schedule bad time')).toBe(400);
    expect(status('schedule out of range')).toBe(400);
    expect(status('skip again')).toBe(400);
    expect(status('mark again')).toBe(400);
    expect(status('unknown run')).toBe(404);
    expect(status('schedule during fault')).toBe(503);
    expect(status('mark during fault')).toBe(503);
    expect(status('reload during fault')).toBe(503);
    expect(status('mark after fault')).toBe('ok');
    expect(overHttp.find((s) => s.step === 'failed output')).toEqual({
      step: 'failed output',
      ok: true,
      value: '',
    });
  }, 60_000);
});
