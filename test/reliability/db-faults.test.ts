// Faults of the database (issue 9): a full disk or a file that turns read-only while the engine runs. The engine
// keeps scheduling and running, says clearly what is wrong, publishes nothing it could not record, refuses an
// operator's changes with the reason, and writes everything held once the database can be written again.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { integrity } from '../helpers/db.js';
import { RETRY_MS } from '../../main/store/sqlite-store.js';
import type { RunSummary } from '../../shared/model/run.js';
import { logOf, waitFor } from '../engine/harness.js';
import { collect, openServer, type ServerHarness } from '../server/server-harness.js';

let h: ServerHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const JOBS = {
  // Random bytes do not compress: each run's output needs new pages of the database.
  'noisy.yaml': 'program: "head -c 400000 /dev/urandom | od -An -tx1"\n',
  'slow.yaml': 'program: "sleep 1.2; echo slow done"\n',
  'quick.yaml': 'program: {type: no-op}\n',
};

function storedRun(dbPath: string, runId: string): { state: string } | undefined {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare<[string], { state: string }>('SELECT state FROM runs WHERE run_id = ?').get(runId);
  } finally {
    db.close();
  }
}

describe('database faults', () => {
  it('disk full: runs go on, nothing is published or lost, operators get the reason, all is written when space returns', async () => {
    const warnings: string[] = [];
    h = await openServer(JOBS, { warn: (line) => warnings.push(line) });
    const { app } = h;
    const store = app.store;
    const warm = app.engine.createRun('noisy', {});
    await waitFor(app, warm, ['success']);

    // A run in flight when the disk fills, and a client watching the summary stream.
    const slow = app.engine.createRun('slow', {});
    await waitFor(app, slow, ['running']);
    const ws = h.ws('/api/v1/summary?init');
    await new Promise((r) => ws.once('open', r));
    type Message = { type: string; run_summary?: RunSummary };
    const slowStates = (frames: Message[][]) =>
      frames
        .flat()
        .filter((m) => m.run_summary?.run_id === slow.runId)
        .map((m) => m.run_summary?.state);
    const seen = collect<Message[]>(ws, (frames) => slowStates(frames).includes('success'), 25_000);

    // The disk is full: the database may not grow by a single page.
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages}`);
    const filler = app.engine.createRun('noisy', {});
    await expect.poll(() => store.writeFailure?.code, { timeout: 10_000 }).toBe('SQLITE_FULL');
    expect(warnings.join('\n')).toMatch(
      /^apsis: cannot write .*apsis\.db: database or disk is full \(SQLITE_FULL\); free space on its disk\. Changes are kept in memory/m,
    );

    // The engine goes on: the slow run finishes in memory, but its end is neither in the DB nor published.
    await waitFor(app, slow, ['success']);
    expect(storedRun(h.dbPath, slow.runId)?.state).toBe('running');

    // Operators are told why their change cannot be made; stats carry the reason.
    const refused = await h.post('/api/v1/runs', { job_id: 'quick' });
    expect(refused.status).toBe(503);
    expect((refused.body as { error: string }).error).toMatch(/database or disk is full .*free space/);
    const stats = (await h.get('/api/v1/stats')).body as {
      db: { write_error?: string; pending_writes: number };
    };
    expect(stats.db.write_error).toMatch(/SQLITE_FULL/);
    expect(stats.db.pending_writes).toBeGreaterThan(0);

    // Space returns: within a retry everything held is written and published, in order.
    store.db.pragma('max_page_count = 1073741823');
    await expect.poll(() => store.writeFailure, { timeout: RETRY_MS * 3 }).toBeNull();
    expect(warnings.at(-1)).toMatch(
      /^apsis: database writes succeed again after \d+ s; every held change is written$/,
    );
    expect(slowStates(await seen)).toEqual(['success']);
    ws.close();
    expect(storedRun(h.dbPath, slow.runId)?.state).toBe('success');
    await waitFor(app, filler, ['success']);
    await expect.poll(() => storedRun(h?.dbPath ?? '', filler.runId)?.state).toBe('success');
    expect(logOf(app, slow.runId)).toEqual(['scheduled: now', 'starting', 'running', 'success']);
    expect((await h.post('/api/v1/runs', { job_id: 'quick' })).status).toBe(200);
    expect(integrity(h.dbPath)).toBe('ok');

    // And a restart finds every run as it was shown.
    const reopened = await h.reopen();
    for (const run of [warm, slow, filler])
      expect(reopened.engine.runs.get(run.runId)?.state).toBe('success');
  }, 30_000);

  it('read-only database: the same, and a shutdown during the fault says what was not written', async () => {
    const warnings: string[] = [];
    h = await openServer(JOBS, { warn: (line) => warnings.push(line) });
    const { app } = h;
    const store = app.store;
    store.db.pragma('query_only = 1'); // as if the file system were remounted read-only
    const run = app.engine.createRun('quick', {});
    await expect.poll(() => store.writeFailure?.code, { timeout: 10_000 }).toBe('SQLITE_READONLY');
    expect(warnings[0]).toMatch(
      /attempt to write a readonly database \(SQLITE_READONLY\); make the file and its folder writable/,
    );
    await waitFor(app, run, ['success']);
    expect(storedRun(h.dbPath, run.runId)).toBeUndefined();
    const refused = await h.post(`/api/v1/runs/${run.runId}/mark/failure`);
    expect(refused.status).toBe(503);

    store.db.pragma('query_only = 0');
    await expect
      .poll(() => storedRun(h?.dbPath ?? '', run.runId)?.state, { timeout: RETRY_MS * 3 })
      .toBe('success');

    // Fails again, then the engine shuts down: it says how many changes it could not write.
    store.db.pragma('query_only = 1');
    app.engine.createRun('quick', {});
    await expect.poll(() => store.writeFailure?.code, { timeout: 10_000 }).toBe('SQLITE_READONLY');
    await h.server.close();
    await app.shutdown();
    expect(warnings.at(-1)).toMatch(/^apsis: shutting down with \d+ changes not written: cannot write/);
    expect(integrity(h.dbPath)).toBe('ok');
    h = undefined;
  }, 30_000);
});
