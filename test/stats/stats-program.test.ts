// StatsProgram (SPEC 6.4, 17.2, AC-28): one compact JSON line per run, a missing directory fails only that run,
// and a stats run cut off by a shutdown is not resumed.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../main/engine/app.js';
import { SqliteStore } from '../../main/store/sqlite-store.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { logOf, openApp, waitFor, type Harness } from '../engine/harness.js';
import { openStatsServer, REQUIRED_FIELDS, type StatsServer } from './stats-harness.js';
import { flattenStats } from '../../shared/stats/schema.js';

const T0 = Date.parse('2024-06-03T12:00:30Z');
const STATS = 'apsis.program.internal.stats.StatsProgram';

let h: Harness | StatsServer | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** The example job of SPEC 6.4, writing under `dir`. */
function exampleJob(dir: string): string {
  return [
    'params: [date]',
    'schedule:',
    '  type: interval',
    '  interval: 60s',
    'program:',
    `  type: ${STATS}`,
    `  path: "${dir}/{{ date }}.json"`,
    '',
  ].join('\n');
}

function lines(path: string): Record<string, unknown>[] {
  const text = readFileSync(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const runsOf = (app: App, jobId: string) => [...app.engine.runs.ofJob(jobId)];

describe('StatsProgram', () => {
  it('AC-28: the example job appends one compact JSON line per run, also stored as its application/json output', async () => {
    const out = mkdtempSync(join(tmpdir(), 'apsis-stats-out-'));
    const clock = new FakeClock(T0);
    const sh = await openStatsServer({ 'apsis/stats.yaml': exampleJob(out) }, { clock });
    h = sh;
    // One minute at a time, each run finished before the next starts: the runs append to a real file, and under
    // load a run may still be writing when the fake clock moves on.
    const succeeded = (): number => runsOf(sh.app, 'apsis/stats').filter((r) => r.state === 'success').length;
    for (const n of [1, 2]) {
      await clock.advance(60_000);
      await expect.poll(succeeded, { timeout: 5000 }).toBe(n);
    }
    const done = runsOf(sh.app, 'apsis/stats').filter((r) => r.state === 'success');
    expect(done.map((r) => new Date(r.times['schedule'] ?? 0).toISOString())).toEqual([
      '2024-06-03T12:01:00.000Z',
      '2024-06-03T12:02:00.000Z',
    ]);
    const written = lines(join(out, '2024-06-03.json'));
    expect(written).toHaveLength(2);
    expect(written.map((s) => s['time'])).toEqual(['2024-06-03T12:01:00.000Z', '2024-06-03T12:02:00.000Z']);
    for (const stats of written) {
      const flat = flattenStats(stats);
      for (const field of REQUIRED_FIELDS) expect(flat, field).toHaveProperty([field]);
      // The run counts itself while it samples.
      expect(flat['tasks.num_running']).toBe(1);
    }
    const output = await sh.get(`/api/v1/runs/${done[1]?.runId ?? ''}/output/output`);
    expect(output.status).toBe(200);
    expect(output.headers.get('content-type')).toBe('application/json');
    // One compact JSON document: the line without its newline.
    expect(output.text).toBe(JSON.stringify(written[1]));
  });

  it('SPEC 17.2: on an empty job folder two runs each append one line with scheduled.num_entries 0', async () => {
    const out = mkdtempSync(join(tmpdir(), 'apsis-stats-out-'));
    const sh = await openStatsServer({}, { clock: new FakeClock(T0) });
    h = sh;
    const job = { program: { type: STATS, path: join(out, 'stats.json') } };
    for (let i = 0; i < 2; i += 1) {
      const created = await sh.post('/api/v1/runs', { job });
      expect(created.status).toBe(200);
      const runId = Object.keys((created.body as { runs: Record<string, unknown> }).runs)[0] ?? '';
      await waitFor(sh.app, runId, 'success');
    }
    const written = lines(join(out, 'stats.json'));
    expect(written).toHaveLength(2);
    expect(written.map((s) => (s['scheduled'] as Record<string, unknown>)['num_entries'])).toEqual([0, 0]);
  });

  it('a missing directory ends only that run in error, with the exact message, and creates nothing', async () => {
    const out = mkdtempSync(join(tmpdir(), 'apsis-stats-out-'));
    const missing = join(out, 'no', 'such', 'dir');
    const clock = new FakeClock(T0);
    h = openApp(
      {
        'bad.yaml': `program: {type: ${STATS}, path: "${missing}/stats.json"}\n`,
        'good.yaml': `program: {type: ${STATS}, path: "${out}/stats.json"}\n`,
        'other.yaml': 'program: {type: no-op, duration: 1}\n',
      },
      { clock },
    );
    const engine = h.app.engine;
    const other = engine.createRun('other', {});
    const bad = engine.createRun('bad', {});
    const good = engine.createRun('good', {});
    await waitFor(h.app, bad, 'error');
    await waitFor(h.app, good, 'success');
    const message = `stats: directory ${missing} does not exist (create it or change path)`;
    expect(logOf(h.app, bad.runId)).toContain(`error: ${message}`);
    expect(engine.store.readOutput(bad.runId, 'output')).toBeDefined();
    expect(existsSync(join(out, 'no'))).toBe(false);
    expect(lines(join(out, 'stats.json'))).toHaveLength(1);
    await clock.advance(1000);
    await waitFor(h.app, other, 'success');
    // Nothing else is affected: a later run of the bad job fails the same way, the others go on.
    const again = engine.createRun('bad', {});
    await waitFor(h.app, again, 'error');
    expect(logOf(h.app, again.runId)).toContain(`error: ${message}`);
    await waitFor(h.app, engine.createRun('good', {}), 'success');
    expect(lines(join(out, 'stats.json'))).toHaveLength(2);
  });

  it('SPEC 12.3: a stats run left running by a previous engine ends in error `interrupted by shutdown`', async () => {
    const out = mkdtempSync(join(tmpdir(), 'apsis-stats-out-'));
    h = openApp({ 'stats.yaml': `program: {type: ${STATS}, path: "${out}/stats.json"}\n` });
    const run = h.app.engine.createRun('stats', {});
    await waitFor(h.app, run, 'success');
    const dbPath = h.dbPath;
    const app = await h.reopen(undefined, () => {
      // As if the engine had stopped while the run was writing.
      const store = SqliteStore.open(dbPath);
      store.db.prepare("UPDATE runs SET state = 'running' WHERE run_id = ?").run(run.runId);
      store.close();
      return Promise.resolve();
    });
    const restored = await waitFor(app, run.runId, 'error');
    expect(restored.state).toBe('error');
    expect(logOf(app, run.runId).slice(-2)).toEqual(['reconnecting', 'error: interrupted by shutdown']);
    expect(lines(join(out, 'stats.json'))).toHaveLength(1);
  });
});
