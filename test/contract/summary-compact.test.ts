// The compact summary init (?init&compact=1, issue 18): a console that loads it sees exactly what a console that
// loads the full init sees, the runs list, counts, each job's last and next runs, before and after live changes.
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SummaryMessage } from '../../shared/api/console-api.js';
import { SummaryModel } from '../../renderer/src/lib/summary-model.js';
import { openServer, type ServerHarness } from '../server/server-harness.js';

const JOBS = {
  'noop.yaml': 'params: [who]\nprogram: {type: no-op}\nmetadata: {labels: [etl, nightly]}\n',
  'fails.yaml': 'program: "exit 3"\n',
  'nap.yaml': 'program: {type: shell, command: "sleep 30", stop: {grace_period: 1}}\n',
  'gate.yaml': 'program: {type: no-op}\n',
  'after.yaml': 'params: [who]\nprogram: {type: no-op}\ncondition:\n  - {type: dependency, job_id: gate}\n',
  'hourly.yaml':
    'params: [n]\nschedule: {type: interval, interval: 3600, args: {n: "1"}}\nprogram: {type: no-op}\n',
};

let h: ServerHarness | undefined;
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.close();
  await h?.close();
  h = undefined;
});

/** A console's model of the summary stream fed from one WebSocket; `initDone` once its init was applied. */
function consoleOn(url: string): { model: SummaryModel; initDone: () => boolean } {
  const model = new SummaryModel();
  const ws = new WebSocket(url);
  sockets.push(ws);
  let frames = 0;
  ws.on('message', (data: Buffer) => {
    if (frames === 0) model.reset();
    frames += 1;
    model.apply(JSON.parse(data.toString()) as SummaryMessage[]);
  });
  return { model, initDone: () => frames > 0 && model.loadingRuns === null };
}

/** What a console shows of its model: the list in order, counts, and each job's last and next runs. */
function view(model: SummaryModel): unknown {
  const t = model.table;
  const jobIds = [...model.jobs.keys()].sort();
  return {
    runs: t.slice(0, t.filteredSize),
    size: t.size,
    counts: t.countByState(),
    last: jobIds.map((id) => model.lastRunOf(id) ?? null),
    next: [...model.nextScheduledAll()].sort(),
    ofJob: jobIds.map((id) => t.runsOfJob(id).sort((a, b) => a.run_id.localeCompare(b.run_id))),
    latest: t.latest(5, (r) => r.state === 'failure'),
    jobs: jobIds.map((id) => model.jobs.get(id)),
    errors: model.jobErrors,
  };
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('compact summary init', () => {
  it("a compact-init console's view equals a full-init console's view, through live changes", async () => {
    h = await openServer(JOBS);
    const engine = h.app.engine;
    const now = Date.now();
    for (let i = 0; i < 30; i += 1)
      engine.createRun('noop', { who: `w${i % 4}` }, { time: now - i * 60_000 });
    for (let i = 0; i < 3; i += 1) engine.createRun('fails', {});
    const napping = engine.createRun('nap', {});
    const waiting = engine.createRun('after', { who: 'x' });
    for (let i = 0; i < 5; i += 1)
      engine.createRun('noop', { who: 'later' }, { time: now + (i + 1) * 3_600_000 });
    await until('runs to settle', () =>
      [...engine.runs.all()].every(
        (r) => r.runId === napping.runId || r.runId === waiting.runId || r.state !== 'starting',
      ),
    );
    await until('the sleeper to run', () => engine.runs.get(napping.runId)?.state === 'running');
    const base = h.url.replace('http', 'ws');
    const full = consoleOn(`${base}/api/v1/summary?init`);
    const compact = consoleOn(`${base}/api/v1/summary?init&compact=1`);
    await until('both inits', () => full.initDone() && compact.initDone());
    expect(compact.model.table.size).toBe(engine.runs.size);
    expect(view(compact.model)).toEqual(view(full.model));
    // The dependency, the expected runs and the labels went through the compact rows too.
    expect(compact.model.table.get(waiting.runId)?.dependencies).toEqual([['gate', {}]]);
    expect(compact.model.table.get(waiting.runId)?.state).toBe('waiting');
    expect([...compact.model.table.runsOfJob('hourly')].some((r) => r.expected === true)).toBe(true);
    expect(compact.model.lastRunOf('noop')?.labels).toEqual(['etl', 'nightly']);

    // Live changes: new runs, a stop, a dependency met; both views follow them the same way.
    for (let i = 0; i < 20; i += 1) engine.createRun('noop', { who: `live${i}` });
    engine.createRun('gate', {});
    engine.stopRun(napping.runId);
    await until('the changes to settle', () => {
      const a = engine.runs.get(napping.runId)?.state;
      const b = engine.runs.get(waiting.runId)?.state;
      return (a === 'failure' || a === 'error' || a === 'success') && b === 'success';
    });
    await until(
      'both views to catch up',
      () =>
        full.model.table.get(waiting.runId)?.state === 'success' &&
        compact.model.table.get(waiting.runId)?.state === 'success' &&
        full.model.table.size === engine.runs.size &&
        compact.model.table.size === engine.runs.size &&
        isDeepStrictEqual(view(full.model), view(compact.model)),
    );
    expect(view(compact.model)).toEqual(view(full.model));
  }, 30_000);

  it('answers 400 for a compact value other than 1 or 0', async () => {
    h = await openServer(JOBS);
    const ws = new WebSocket(`${h.url.replace('http', 'ws')}/api/v1/summary?init&compact=yes`);
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => {});
    });
    expect(status).toBe(400);
  });
});
