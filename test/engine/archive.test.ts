// ArchiveProgram and VacuumProgram (SPEC 6.4, AC-19): old finished runs move to an archive DB, in chunks.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { logOf, openApp, waitFor, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ARCHIVE = 'apsis.program.internal.archive.ArchiveProgram';
const JOBS = {
  'a.yaml': 'program: {type: no-op}\n',
  'b.yaml': 'program: "printf \'fourteen bytes\'"\n',
  'c.yaml': 'program: {type: no-op}\n',
  'archive.yaml': `params: [age, count, chunk]\nprogram: {type: ${ARCHIVE}, age: "{{ age }}", count: "{{ count }}", chunk_size: "{{ chunk }}", path: archive.db}\n`,
  'vacuum.yaml': 'program: {type: apsis.program.internal.vacuum.VacuumProgram}\n',
};

async function archive(age: string, count: string, chunk = '1000'): Promise<Record<string, unknown>> {
  const run = h!.app.engine.createRun('archive', { age, count, chunk });
  const done = await waitFor(h!.app, run, ['success', 'failure', 'error']);
  expect(done.state, logOf(h!.app, run.runId).join('\n')).toBe('success');
  return done.meta['program'] as Record<string, unknown>;
}

describe('ArchiveProgram', () => {
  it('AC-19: moves the oldest finished runs, with logs and output, and sends run_delete', async () => {
    h = openApp(JOBS);
    const a = h.app.engine.createRun('a', {});
    await waitFor(h.app, a, 'success');
    const b = h.app.engine.createRun('b', {});
    await waitFor(h.app, b, 'success');
    await new Promise((r) => setTimeout(r, 700));
    const c = h.app.engine.createRun('c', {});
    await waitFor(h.app, c, 'success');
    const deleted: string[] = [];
    h.app.engine.events.on('delete', (id) => deleted.push(id));

    const first = await archive('0.5', '1');
    expect(first['run count']).toBe(1);
    expect(first['run_ids']).toEqual([[a.runId]]);
    expect(deleted).toEqual([a.runId]);
    expect(h.app.engine.runs.get(a.runId)).toBeUndefined();
    expect(h.app.engine.store.getRun(a.runId)).toBeUndefined();
    expect(h.app.engine.runs.get(b.runId)?.state).toBe('success');

    const second = await archive('0.5', '10');
    expect(second['run_ids']).toEqual([[b.runId]]);
    expect(h.app.engine.runs.get(c.runId)?.state).toBe('success');

    const db = new Database(join(h.dir, 'archive.db'), { readonly: true });
    const ids = db.prepare('SELECT run_id FROM runs ORDER BY rowid').pluck().all();
    expect(ids).toEqual([a.runId, b.runId]);
    const log = db
      .prepare('SELECT message FROM run_history WHERE run_id = ? ORDER BY timestamp, rowid')
      .pluck()
      .all(b.runId);
    expect(log[0]).toBe('scheduled: now');
    expect(log.at(-1)).toBe('success');
    const out = db.prepare('SELECT length FROM output WHERE run_id = ?').pluck().get(b.runId);
    expect(out).toBe(14);
    db.close();
  });

  it('AC-19: 100 runs, count 80, chunk_size 10 → 8 chunks of 10', async () => {
    h = openApp(JOBS);
    const runs = Array.from({ length: 100 }, () => h!.app.engine.createRun('a', {}));
    for (const r of runs) await waitFor(h.app, r, 'success');
    await new Promise((r) => setTimeout(r, 50));
    const meta = await archive('0.01', '80', '10');
    const chunks = meta['run_ids'] as string[][];
    expect(chunks.map((c) => c.length)).toEqual([10, 10, 10, 10, 10, 10, 10, 10]);
    expect(chunks.flat()).toEqual(runs.slice(0, 80).map((r) => r.runId));
    expect(meta['row counts']).toMatchObject({ runs: 80 });
  });

  it('VacuumProgram vacuums the database and reports the time', async () => {
    h = openApp(JOBS);
    const run = h.app.engine.createRun('vacuum', {});
    const done = await waitFor(h.app, run, ['success', 'error']);
    expect(done.state).toBe('success');
    expect(typeof (done.meta['program'] as { time: unknown }).time).toBe('number');
  });
});
