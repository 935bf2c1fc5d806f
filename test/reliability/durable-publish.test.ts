// Durable before published, at the source (issue 14): with a database that cannot be written, no transport shows a
// change that was not recorded: not an HTTP answer, not a WebSocket frame, not an IPC event. Once writes succeed
// again, everything held is shown, in order.
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../main/engine/app.js';
import type { RunSummary } from '../../shared/model/run.js';
import { appOf, openDesktopOn, type Desktop } from '../electron/desktop-harness.js';
import { waitFor } from '../engine/harness.js';
import { FakeIpcRenderer } from '../fakes/electron.js';
import { createBridge } from '../../preload/bridge.js';
import { openServer, type ServerHarness } from '../server/server-harness.js';

const JOBS = {
  'slow.yaml': 'program: "sleep 0.8; echo slow"\n',
  'quick.yaml': 'program: {type: no-op}\n',
};

let h: ServerHarness | undefined;
let d: Desktop | undefined;
afterEach(async () => {
  await h?.close();
  await d?.close();
  h = undefined;
  d = undefined;
});

/** Makes the database refuse writes and waits until the engine knows it. */
async function breakDb(app: App): Promise<void> {
  app.store.db.pragma('query_only = 1');
  app.engine.createRun('quick', {}); // a write, so the next commit fails
  for (let i = 0; i < 400 && app.store.writeFailure === null; i += 1)
    await new Promise((r) => setTimeout(r, 10));
  expect(app.store.writeFailure?.code).toBe('SQLITE_READONLY');
}

async function mendDb(app: App): Promise<void> {
  app.store.db.pragma('query_only = 0');
  for (let i = 0; i < 600 && app.store.writeFailure !== null; i += 1)
    await new Promise((r) => setTimeout(r, 10));
  expect(app.store.writeFailure).toBeNull();
}

describe('nothing unrecorded is ever seen', () => {
  it('over HTTP and WebSocket', async () => {
    h = await openServer(JOBS, { warn: () => {} });
    const { app } = h;
    const slow = app.engine.createRun('slow', {});
    await waitFor(app, slow, 'running');
    const frames: string[] = [];
    const runWs = h.ws(`/api/v1/runs/${slow.runId}/updates`);
    runWs.on('message', (data: Buffer) => frames.push(data.toString()));
    const summaryWs = h.ws('/api/v1/summary');
    const summaries: RunSummary[] = [];
    summaryWs.on('message', (data: Buffer) => {
      for (const m of JSON.parse(data.toString()) as { run_summary?: RunSummary }[])
        if (m.run_summary !== undefined) summaries.push(m.run_summary);
    });
    await Promise.all([runWs, summaryWs].map((ws) => new Promise((r) => ws.once('open', r))));

    await breakDb(app);
    const unrecorded = app.engine.createRun('quick', {});
    await waitFor(app, slow, 'success', 8000); // in memory only
    await waitFor(app, unrecorded, 'success');
    await new Promise((r) => setTimeout(r, 700)); // past a summary batch
    expect(frames.filter((f) => f.includes('"success"'))).toEqual([]);
    expect(summaries.filter((s) => s.run_id === slow.runId || s.run_id === unrecorded.runId)).toEqual([]);
    expect((await h.get(`/api/v1/runs/${slow.runId}/state`)).body).toEqual({ state: 'running' });
    expect((await h.get(`/api/v1/runs/${unrecorded.runId}`)).status).toBe(404);
    const listed = (await h.get('/api/v1/runs')).body as { runs: Record<string, unknown> };
    expect(Object.keys(listed.runs)).not.toContain(unrecorded.runId);
    const log = (await h.get(`/api/v1/runs/${slow.runId}/log`)).body as { run_log: { message: string }[] };
    expect(log.run_log.map((e) => e.message)).not.toContain('success');

    await mendDb(app);
    await expect.poll(() => frames.some((f) => f.includes('"success"')), { timeout: 5000 }).toBe(true);
    await expect
      .poll(() => summaries.some((s) => s.run_id === unrecorded.runId && s.state === 'success'), {
        timeout: 5000,
      })
      .toBe(true);
    expect((await h.get(`/api/v1/runs/${slow.runId}/state`)).body).toEqual({ state: 'success' });
    runWs.close();
    summaryWs.close();
  }, 30_000);

  it('over IPC: the desktop run stream and summary stream', async () => {
    d = await openDesktopOn(JOBS);
    const app = appOf(d);
    const api = createBridge(new FakeIpcRenderer(d.ipcMain, d.contents));
    const slow = app.engine.createRun('slow', {});
    await waitFor(app, slow, 'running');
    const states: string[] = [];
    const offRun = api.subscribeRun(slow.runId, (m) => {
      if (m.run !== undefined) states.push(m.run.state);
    });
    const summaries: RunSummary[] = [];
    const offSummary = api.subscribeSummary(
      (messages) => {
        for (const m of messages) if ('run_summary' in m) summaries.push(m.run_summary);
      },
      () => {},
      () => {},
    );
    await expect.poll(() => states.length, { timeout: 5000 }).toBeGreaterThan(0);

    await breakDb(app);
    const unrecorded = app.engine.createRun('quick', {});
    await waitFor(app, slow, 'success', 8000);
    await waitFor(app, unrecorded, 'success');
    await new Promise((r) => setTimeout(r, 700));
    expect(states).not.toContain('success');
    expect(summaries.filter((s) => s.run_id === unrecorded.runId)).toEqual([]);
    expect((await api.run(slow.runId)).state).toBe('running');
    await expect(api.run(unrecorded.runId)).rejects.toMatchObject({ status: 404 });

    await mendDb(app);
    await expect.poll(() => states.includes('success'), { timeout: 5000 }).toBe(true);
    await expect
      .poll(() => summaries.some((s) => s.run_id === unrecorded.runId && s.state === 'success'), {
        timeout: 5000,
      })
      .toBe(true);
    offRun();
    offSummary();
  }, 30_000);
});
