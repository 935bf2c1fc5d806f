/** Databases full of finished runs, for the startup and console benchmarks. */
import { SqliteStore } from '../main/store/sqlite-store.js';

/** Fills a new DB with `n` finished runs of `jobs` jobs named `PREFIX<k>`, one a second up to now, as an engine writes them. */
export function fillFinishedRuns(path: string, n: number, jobs: number, prefix: string): void {
  const store = SqliteStore.open(path, { now: Date.now() / 1000 });
  const insert = store.db.prepare(
    'INSERT INTO runs (rowid, run_id, timestamp, job_id, args, state, program, times, meta, run_state, conds, actions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)',
  );
  const base = Date.now() / 1000 - n;
  store.transaction(() => {
    for (let i = 1; i <= n; i += 1) {
      const t = new Date((base + i) * 1000).toISOString();
      const end = new Date((base + i + 0.5) * 1000).toISOString();
      const state = i % 10 === 0 ? 'failure' : 'success';
      const labels = i % 3 === 0 ? '["etl"]' : '[]';
      insert.run(
        i,
        `r${i}`,
        base + i,
        `${prefix}${i % jobs}`,
        `{"date":"${t.slice(0, 10)}"}`,
        state,
        '{"type":"shell","command":"echo hi","stop":{"signal":"SIGTERM","grace_period":60}}',
        `{"new":"${t}","schedule":"${t}","scheduled":"${t}","starting":"${t}","running":"${t}","${state}":"${end}"}`,
        `{"job":{"labels":${labels}},"program":{"pid":1,"return_code":${state === 'success' ? 0 : 1}},"elapsed":0.5}`,
        '[]',
        '[]',
      );
    }
    store.db.prepare('UPDATE next_run_id SET number = ?').run(n + 65);
  });
  store.close();
}
