import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { outputBytes } from '../../main/store/output-codec.js';
import type { RunRecord } from '../../main/store/run-record.js';
import { prepareStatements } from '../../main/store/statements.js';
import { RUN_ID_BLOCK } from '../../main/store/sqlite-store.js';
import { CREATED, openStore, tempDbPath } from './temp-db.js';

function run(run_id: string, fields: Partial<RunRecord> = {}): RunRecord {
  return {
    run_id,
    timestamp: CREATED + 1.5,
    job_id: 'etl/load',
    args: { date: '2026-03-01', region: 'eu' },
    state: 'success',
    program: { type: 'shell', command: 'echo hi' },
    times: {
      schedule: '2026-03-01T00:00:00Z',
      running: '2026-03-01T00:00:01Z',
      success: '2026-03-01T00:00:02Z',
    },
    meta: { job: { labels: ['daily'] }, elapsed: 1.043 },
    run_state: null,
    conds: [],
    actions: null,
    ...fields,
  };
}

function queryPlan(db: Database.Database, sql: string, ...params: unknown[]): string {
  const rows = db.prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`).all(...params);
  return rows.map((r) => r.detail).join('\n');
}

describe('run IDs', () => {
  it('hands out r1, r2, ... and reserves 64 numbers at a time in next_run_id', () => {
    const store = openStore(tempDbPath());
    const next = () => {
      store.commitBatch(); // what the engine does at the end of each event-loop turn
      return store.db.prepare('SELECT number FROM next_run_id').pluck().get();
    };
    expect(next()).toBe(1);
    expect([store.nextRunId(), store.nextRunId()]).toEqual(['r1', 'r2']);
    expect(next()).toBe(1 + RUN_ID_BLOCK);
    for (let i = 3; i <= 64; i++) store.nextRunId();
    expect(next()).toBe(65);
    expect(store.nextRunId()).toBe('r65');
    expect(next()).toBe(129);
    const ids = store.reserveRunIds(100);
    expect(ids[0]).toBe('r66');
    expect(ids.at(-1)).toBe('r165');
    expect(next()).toBe(129 + 64);
  });

  it('never hands out an ID twice when a reservation is rolled back with its transaction', () => {
    const store = openStore(tempDbPath());
    const ids: string[] = [];
    expect(() =>
      store.transaction(() => {
        ids.push(store.nextRunId());
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    ids.push(...store.reserveRunIds(200));
    expect(new Set(ids).size).toBe(201);
  });

  it('skips at most 64 numbers across a restart and never reuses one', () => {
    const path = tempDbPath();
    let store = openStore(path);
    const seen = new Set<string>();
    let last = 0;
    for (let restart = 0; restart < 5; restart++) {
      for (let i = 0; i < 10 + restart * 20; i++) {
        const id = store.nextRunId();
        expect(seen.has(id)).toBe(false);
        seen.add(id);
        const n = Number(id.slice(1));
        expect(n - last).toBeGreaterThan(0);
        expect(n - last - 1).toBeLessThanOrEqual(64);
        last = n;
      }
      store.close();
      store = openStore(path);
    }
  });
});

describe('runs', () => {
  it('round-trips a run and updates it in place by run ID, with rowid = its number', () => {
    const store = openStore(tempDbPath());
    const original = run('r7', {
      state: 'running',
      run_state: { pid: 42, stopping: true },
      actions: [{ type: 'x' }],
    });
    store.upsertRun(original);
    expect(store.getRun('r7')).toEqual(original);
    const finished = run('r7', { timestamp: CREATED + 9, state: 'failure', program: null, conds: null });
    store.upsertRun(finished);
    expect(store.getRun('r7')).toEqual(finished);
    store.commitBatch();
    expect(store.getRun('r7')).toEqual(finished);
    expect(store.db.prepare('SELECT rowid, run_id FROM runs').raw().all()).toEqual([[7, 'r7']]);
    expect(store.getRun('r8')).toBeUndefined();
    expect(store.getRun('../etc')).toBeUndefined();
    expect(() => store.upsertRun(run('x7'))).toThrow(/not a run ID/);
  });

  it('loads all runs, or those updated since a time, in run-number order', () => {
    const store = openStore(tempDbPath());
    store.upsertRun(run('r3', { timestamp: 300 }));
    store.upsertRun(run('r1', { timestamp: 200 }));
    store.upsertRun(run('r2', { timestamp: 100 }));
    expect(store.loadRuns().map((r) => r.run_id)).toEqual(['r1', 'r2', 'r3']);
    expect(store.loadRuns({ sinceTimestamp: 200 }).map((r) => r.run_id)).toEqual(['r1', 'r3']);
    expect(store.loadRuns({ sinceTimestamp: 301 })).toEqual([]);
    const plan = queryPlan(store.db, prepareStatements(store.db).runsSince.source, 200);
    expect(plan).toMatch(/INDEX runs_timestamp \(timestamp>\?\)/);
    expect(plan).not.toMatch(/SCAN runs|TEMP B-TREE/);
  });

  it('loads unfinished runs through their partial index', () => {
    const store = openStore(tempDbPath());
    const states = [
      'success',
      'running',
      'failure',
      'waiting',
      'error',
      'skipped',
      'scheduled',
      'stopping',
    ] as const;
    states.forEach((state, i) => store.upsertRun(run(`r${i + 1}`, { state })));
    expect(store.loadUnfinishedRuns().map((r) => r.state)).toEqual([
      'running',
      'waiting',
      'scheduled',
      'stopping',
    ]);
    const sql = prepareStatements(store.db).unfinishedRuns.source;
    expect(queryPlan(store.db, sql)).toMatch(/USING INDEX runs_unfinished/);
  });

  it('gives the newest runs of a job first, through the job_id index without a sort', () => {
    const store = openStore(tempDbPath());
    for (let n = 1; n <= 30; n++) store.upsertRun(run(`r${n}`, { job_id: n % 3 === 0 ? 'a' : 'b' }));
    expect(store.newestRunsOfJob('a', 4).map((r) => r.run_id)).toEqual(['r30', 'r27', 'r24', 'r21']);
    expect(store.newestRunsOfJob('none', 4)).toEqual([]);
    const plan = queryPlan(store.db, prepareStatements(store.db).runsOfJob.source, 'a', 4);
    expect(plan).toMatch(/SEARCH runs USING (COVERING )?INDEX runs_job_id \(job_id=\?\)/);
    expect(plan).not.toMatch(/TEMP B-TREE|SCAN runs/);
  });

  it('counts the runs in failure or error since a time, and pages through them, by their partial indexes', () => {
    const store = openStore(tempDbPath());
    // r1..r40: every 4th a failure, every 5th (not 4th) an error; timestamps in pairs, so pages split equal times.
    for (let n = 1; n <= 40; n++) {
      const state = n % 4 === 0 ? 'failure' : n % 5 === 0 ? 'error' : 'success';
      store.upsertRun(run(`r${n}`, { state, timestamp: CREATED + Math.ceil(n / 2) }));
    }
    store.commitBatch();
    expect(store.countEnteredSince('failure', CREATED)).toBe(10);
    expect(store.countEnteredSince('failure', CREATED + 10)).toBe(6); // r20, r24, ..., r40
    expect(store.countEnteredSince('error', CREATED)).toBe(6); // r5, r10, r15, r25, r30, r35
    const q = prepareStatements(store.db);
    expect(queryPlan(store.db, q.countFailuresSince.source, 0)).toMatch(/COVERING INDEX runs_failure/);
    expect(queryPlan(store.db, q.countErrorsSince.source, 0)).toMatch(/COVERING INDEX runs_error/);
    for (const [statement, index] of [
      [q.failuresPage, 'runs_failure'],
      [q.errorsPage, 'runs_error'],
      [q.runsPage, 'runs_timestamp'],
    ] as const) {
      const plan = queryPlan(store.db, statement.source, 0, 0, 1e9, 10);
      expect(plan).toMatch(new RegExp(`SEARCH runs USING INDEX ${index}`));
      expect(plan).not.toMatch(/TEMP B-TREE|SCAN runs/);
    }
    const walk = (options: Parameters<typeof store.runsSincePage>[0], limit: number): string[] => {
      const ids: string[] = [];
      let cursor: Parameters<typeof store.runsSincePage>[1] = null;
      for (let pages = 0; pages < 100; pages += 1) {
        const page = store.runsSincePage(options, cursor, limit);
        ids.push(...page.runs.map((r) => r.run_id));
        cursor = page.next;
        if (cursor === null) return ids;
      }
      throw new Error('more than 100 pages');
    };
    const before = CREATED + 18; // r35 and later are not before it
    expect(walk({ since: CREATED + 3, before, state: 'failure' }, 3)).toEqual([
      'r8',
      'r12',
      'r16',
      'r20',
      'r24',
      'r28',
      'r32',
    ]);
    expect(walk({ since: CREATED + 3, before, state: 'error' }, 1)).toEqual([
      'r5',
      'r10',
      'r15',
      'r25',
      'r30',
    ]);
    expect(walk({ since: CREATED + 19, before: 1e12, state: null }, 1)).toEqual(['r37', 'r38', 'r39', 'r40']);
    expect(walk({ since: CREATED + 19, before: 1e12, state: 'skipped' }, 1)).toEqual([]);
  });

  it('deletes a run with its log and outputs; deleting a never-stored run is a no-op', () => {
    const store = openStore(tempDbPath());
    store.upsertRun(run('r1'));
    store.upsertRun(run('r2'));
    store.appendRunLog('r1', 1, 'success');
    store.writeOutput({
      run_id: 'r1',
      output_id: 'output',
      name: 'output',
      content_type: 'text/plain',
      data: Buffer.from('x'),
    });
    expect(store.deleteRun('r1')).toBe(true);
    expect(store.getRun('r1')).toBeUndefined();
    expect(store.runLog('r1')).toEqual([]);
    expect(store.readOutput('r1', 'output')).toBeUndefined();
    expect(store.deleteRun('r99')).toBe(false);
    expect(store.deleteRun('nonsense')).toBe(false);
    expect(store.loadRuns().map((r) => r.run_id)).toEqual(['r2']);
  });
});

describe('run log', () => {
  it('returns entries by time, then in insertion order among equal times', () => {
    const store = openStore(tempDbPath());
    store.appendRunLog('r1', 20, 'running');
    store.appendRunLog('r2', 5, 'other run');
    store.appendRunLogs([
      { run_id: 'r1', timestamp: 10, message: 'scheduled: now' },
      { run_id: 'r1', timestamp: 20, message: 'success' },
      { run_id: 'r1', timestamp: 10, message: 'starting' },
    ]);
    expect(store.runLog('r1').map((e) => [e.timestamp, e.message])).toEqual([
      [10, 'scheduled: now'],
      [10, 'starting'],
      [20, 'running'],
      [20, 'success'],
    ]);
    expect(store.runLog('r2')).toEqual([{ run_id: 'r2', timestamp: 5, message: 'other run' }]);
  });
});

describe('outputs', () => {
  const text = (n: number) =>
    Buffer.from('line of program output 0123456789\n'.repeat(n / 34 + 1).slice(0, n));
  const write = (store: ReturnType<typeof openStore>, data: Buffer) =>
    store.writeOutput({
      run_id: 'r1',
      output_id: 'output',
      name: 'output',
      content_type: 'text/plain',
      data,
    });

  it('stores less than 16 KiB as is', () => {
    const store = openStore(tempDbPath());
    const data = text(15 * 1024);
    write(store, data);
    const stored = store.readOutput('r1', 'output');
    expect(stored).toMatchObject({
      name: 'output',
      content_type: 'text/plain',
      length: data.length,
      compression: null,
    });
    expect(stored?.data.equals(data)).toBe(true);
  });

  it('stores 16 KiB and more brotli-compressed, with the uncompressed length', () => {
    const store = openStore(tempDbPath());
    for (const size of [16 * 1024, 1024 * 1024]) {
      const data = text(size);
      write(store, data);
      const stored = store.readOutput('r1', 'output');
      if (stored === undefined) throw new Error('output not stored');
      expect(stored.compression).toBe('br');
      expect(stored.length).toBe(size);
      expect(stored.data.length).toBeLessThan(size / 4);
      expect(outputBytes(stored).equals(data)).toBe(true);
    }
    expect(store.listOutputs('r1')).toEqual([
      { output_id: 'output', name: 'output', content_type: 'text/plain', length: 1024 * 1024 },
    ]);
  });

  it('reads gzip and deflate data written by other tools', () => {
    const data = text(5000);
    expect(outputBytes({ compression: 'gzip', data: gzipSync(data) }).equals(data)).toBe(true);
    expect(outputBytes({ compression: 'deflate', data: deflateSync(data) }).equals(data)).toBe(true);
    expect(outputBytes({ compression: 'deflate', data: deflateRawSync(data) }).equals(data)).toBe(true);
    expect(() => outputBytes({ compression: 'zstd', data })).toThrow(/unknown output compression "zstd"/);
  });
});

describe('ad hoc jobs and clock', () => {
  it('puts, gets, lists and deletes ad hoc jobs', () => {
    const store = openStore(tempDbPath());
    store.putJob('adhoc-2', { program: { type: 'shell', command: 'b' } });
    store.putJob('adhoc-1', { program: { type: 'shell', command: 'a' } });
    store.putJob('adhoc-2', { program: { type: 'shell', command: 'c' } });
    expect(store.allJobs()).toEqual([
      { job_id: 'adhoc-1', job: { program: { type: 'shell', command: 'a' } } },
      { job_id: 'adhoc-2', job: { program: { type: 'shell', command: 'c' } } },
    ]);
    expect(store.deleteJob('adhoc-1')).toBe(true);
    expect(store.deleteJob('adhoc-1')).toBe(false);
    expect(store.getJob('adhoc-1')).toBeUndefined();
  });

  it('starts the clock at creation and persists updates', () => {
    const path = tempDbPath();
    const store = openStore(path);
    expect(store.getClock()).toBe(CREATED);
    store.setClock(CREATED + 0.25);
    store.close();
    expect(openStore(path).getClock()).toBe(CREATED + 0.25);
  });
});

describe('stats history', () => {
  function filled(n: number) {
    const store = openStore(tempDbPath());
    store.transaction(() => {
      for (let t = n; t >= 1; t--) store.insertStats(t, { time: t, heap: { used: t * 10 } });
    });
    return store;
  }

  it('streams samples with from <= time < to in time order, across pages', () => {
    const store = filled(2500);
    const times = [...store.iterateStats()].map((s) => s.time);
    expect(times).toHaveLength(2500);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect([...store.iterateStats(1000, 2001)].map((s) => s.time)).toEqual(
      Array.from({ length: 1001 }, (_, i) => 1000 + i),
    );
    expect([...store.iterateStats(3000)]).toEqual([]);
    expect([...store.iterateStats(undefined, 2)]).toEqual([
      { time: 1, stats: '{"time":1,"heap":{"used":10}}' },
    ]);
  });

  it('lets the caller write between the rows it reads', () => {
    const store = filled(1500);
    let count = 0;
    for (const sample of store.iterateStats()) {
      store.setClock(sample.time);
      count++;
    }
    expect(count).toBe(1500);
    expect(store.getClock()).toBe(1500);
  });

  it('prunes samples older than a time in batches', async () => {
    const store = filled(2500);
    expect(await store.pruneStats(1500.5)).toBe(1500);
    expect([...store.iterateStats()].map((s) => s.time)[0]).toBe(1501);
    expect(await store.pruneStats(0)).toBe(0);
  });

  it('replaces a sample at the same time', () => {
    const store = openStore(tempDbPath());
    store.insertStats(5, { a: 1 });
    store.insertStats(5, { a: 2 });
    expect([...store.iterateStats()]).toEqual([{ time: 5, stats: '{"a":2}' }]);
  });
});

describe('maintenance', () => {
  it('reports the size of the database plus its WAL, which a checkpoint truncates', () => {
    const store = openStore(tempDbPath());
    store.transaction(() => {
      for (let n = 1; n <= 200; n++) store.upsertRun(run(`r${n}`));
    });
    const before = store.stats().size;
    expect(before).toBeGreaterThan(8192);
    store.checkpoint();
    const walSize = () =>
      store.stats().size - (store.db.prepare('PRAGMA page_count').pluck().get() as number) * 8192;
    expect(walSize()).toBe(0);
  });

  it('rolls back a failed transaction', () => {
    const store = openStore(tempDbPath());
    expect(() =>
      store.transaction(() => {
        store.upsertRun(run('r1'));
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.getRun('r1')).toBeUndefined();
  });
});
