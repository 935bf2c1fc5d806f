// `apsis import-apsis-db` on the database Apsis 1.1.2 wrote (test/fixtures/apsis-db, SPEC 18.6): every run, run-log
// line and output byte accounted for, compared with the source as this test reads it itself, not through the importer.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../main/store/sqlite-store.js';
import { integrity } from '../helpers/db.js';
import { apsis, fixtureCopy } from './helpers.js';

const require = createRequire(import.meta.url);
const MESSAGE = 'imported from Apsis while running; its process is not followed';
const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

interface RunRow {
  rowid: number;
  run_id: string;
  timestamp: number;
  job_id: string;
  args: string;
  state: string;
  program: string | null;
  times: string;
  meta: string;
  run_state: string | null;
  conds: string | null;
  actions: string | null;
}
interface LogRow {
  run_id: string;
  timestamp: number;
  message: string;
}
interface OutputRow {
  run_id: string;
  output_id: string;
  name: string;
  content_type: string;
  length: number;
  compression: string | null;
  data: Buffer;
}

function readAll(path: string): {
  runs: RunRow[];
  log: LogRow[];
  outputs: OutputRow[];
  clock: number;
  next: number;
} {
  const db = new Database(path, { readonly: true });
  try {
    return {
      runs: db.prepare<[], RunRow>('SELECT rowid, * FROM runs ORDER BY rowid').all(),
      log: db.prepare<[], LogRow>('SELECT run_id, timestamp, message FROM run_history ORDER BY rowid').all(),
      outputs: db.prepare<[], OutputRow>('SELECT * FROM output ORDER BY run_id, output_id').all(),
      clock: db.prepare<[], number>('SELECT time FROM clock').pluck().get() as number,
      next: db.prepare<[], number>('SELECT number FROM next_run_id').pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

/** What our program column must hold for each of Apsis's bound programs in the fixture (SPEC 6.1). */
function expectedProgram(apsisProgram: string): unknown {
  const p = JSON.parse(apsisProgram) as { type: string; argv?: string[]; host?: null; user?: null };
  if (p.type === 'apsis.program.noop.BoundNoOpProgram')
    return { type: 'no-op', duration: null, success: true };
  expect(p.type).toBe('apsis.program.agent.BoundAgentProgram');
  expect(p.host).toBeNull();
  expect(p.user).toBeNull();
  return { type: 'program', argv: p.argv, stop: { signal: 'SIGTERM', grace_period: 60 } };
}

function schema(path: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name').all();
  } finally {
    db.close();
  }
}

function freshDatabase(dir: string): string {
  const path = join(dir, 'fresh.db');
  SqliteStore.open(path, { now: Date.now() / 1000 }).close();
  return path;
}

describe('apsis import-apsis-db on the database Apsis 1.1.2 wrote', () => {
  it('imports every run, run-log line and output byte as Apsis stored them; the running run ends in error', () => {
    const { dir, source } = fixtureCopy();
    const target = join(dir, 'ours.db');
    const before = sha256(source);
    const t0 = Date.now() / 1000;
    const r = apsis('import-apsis-db', source, '--db', target);
    const t1 = Date.now() / 1000;
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`${source} holds 22 runs, 82 run-log lines, 4 outputs, 0 ad hoc jobs`);
    expect(r.stdout).toContain(
      'runs by state in Apsis: success 16, failure 2, error 1, running 1, scheduled 1, skipped 1',
    );
    expect(r.stdout).toContain(`imported into ${target}: 22 runs, 82 run-log lines, 4 outputs (72 bytes`);
    expect(r.stdout).toContain(
      'runs by state as imported: success 16, failure 2, error 2, scheduled 1, skipped 1',
    );
    expect(r.stdout).toContain('clock: 2026-12-02T04:24:48.006Z; next run ID: r17345');
    expect(r.stdout).toContain(`r17286 (demo/long): was running`);
    expect(sha256(source)).toBe(before); // read only

    const src = readAll(source);
    const ours = readAll(target);
    expect(src.runs).toHaveLength(22);
    expect(ours.runs.map((run) => [run.rowid, run.run_id])).toEqual(
      src.runs.map((run) => [run.rowid, run.run_id]),
    );
    for (const [i, s] of src.runs.entries()) {
      const o = ours.runs[i] as RunRow;
      expect(o.job_id).toBe(s.job_id);
      expect(JSON.parse(o.args)).toEqual(JSON.parse(s.args));
      expect(o.meta).toBe(s.meta);
      expect(JSON.parse(o.program as string)).toEqual(expectedProgram(s.program as string));
      expect([o.conds, o.actions]).toEqual([s.conds, s.actions]);
      expect(o.run_state).toBeNull();
      if (s.state === 'running') {
        expect(o.state).toBe('error');
        const times = JSON.parse(o.times) as Record<string, string>;
        const { error, ...kept } = times;
        expect(kept).toEqual(JSON.parse(s.times));
        expect(Date.parse(error as string) / 1000).toBeGreaterThanOrEqual(Math.floor(t0));
        expect(Date.parse(error as string) / 1000).toBeLessThanOrEqual(t1);
        expect(o.timestamp).toBe(Date.parse(error as string) / 1000);
        expect(s.run_state).not.toBe('null'); // Apsis's agent process it cannot follow
      } else {
        expect([o.state, o.times, o.timestamp]).toEqual([s.state, s.times, s.timestamp]);
        expect(s.run_state).toBe('null');
      }
    }

    // The run log: Apsis's 82 lines in Apsis's order, plus the error line of the run that was running.
    expect(src.log).toHaveLength(82);
    const added = ours.log.filter((l) => l.message === `error: ${MESSAGE}`);
    expect(added.map((l) => l.run_id)).toEqual(['r17286']);
    expect(ours.log.filter((l) => !added.includes(l))).toEqual(src.log);

    // Outputs byte for byte, plus the error message as the output of the run that was running (SPEC 11.3).
    expect(src.outputs).toHaveLength(4);
    const byKey = new Map(ours.outputs.map((o) => [`${o.run_id}/${o.output_id}`, o]));
    for (const s of src.outputs) {
      const o = byKey.get(`${s.run_id}/${s.output_id}`);
      expect(o).toBeDefined();
      expect({ ...o, data: null }).toEqual({ ...s, data: null });
      expect(Buffer.compare(o?.data as Buffer, s.data)).toBe(0);
      byKey.delete(`${s.run_id}/${s.output_id}`);
    }
    expect([...byKey.values()]).toEqual([
      {
        run_id: 'r17286',
        output_id: 'output',
        name: 'combined stdout & stderr',
        content_type: 'text/plain',
        length: MESSAGE.length + 1,
        compression: null,
        data: Buffer.from(`${MESSAGE}\n`),
      },
    ]);
    expect(src.outputs.map((o) => o.data.toString())).toContain('hello world\nto stderr\n');

    expect(ours.clock).toBe(src.clock);
    expect(ours.next).toBe(src.next);
    expect(integrity(target)).toBe('ok');
    const mode = new Database(target, { readonly: true });
    expect(mode.pragma('journal_mode', { simple: true })).toBe('wal'); // SPEC 13.1, after a load without it
    mode.close();
    // The indexes dropped for the load are back, exactly as a new database has them.
    expect(schema(target)).toEqual(schema(freshDatabase(dir)));
  });

  it("reads what Apsis left in its WAL and writes nothing to Apsis's files", () => {
    const { dir, source } = fixtureCopy();
    // A writer killed before any checkpoint, as Apsis killed mid-work: its last run is in the -wal file only.
    const writer = spawnSync(
      process.execPath,
      [
        '-e',
        `const D = require(${JSON.stringify(require.resolve('better-sqlite3'))});
         const db = new D(${JSON.stringify(source)});
         db.pragma('wal_autocheckpoint = 0');
         db.prepare("INSERT INTO runs (rowid, run_id, timestamp, job_id, args, state, program, times, meta, run_state, expected, conds, actions) SELECT 17290, 'r17290', timestamp + 1, job_id, args, state, program, times, meta, run_state, 0, conds, actions FROM runs WHERE run_id = 'r17282'").run();
         process.kill(process.pid, 'SIGKILL');`,
      ],
      { encoding: 'utf8' },
    );
    expect(writer.signal).toBe('SIGKILL');
    const wal = `${source}-wal`;
    expect(statSync(wal).size).toBeGreaterThan(0);
    const before = [sha256(source), sha256(wal)];
    const target = join(dir, 'ours.db');
    const r = apsis('import-apsis-db', source, '--db', target);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(`${source} holds 23 runs`);
    expect(readAll(target).runs.map((run) => run.run_id)).toContain('r17290');
    expect([sha256(source), sha256(wal)]).toEqual(before);
  });

  it('refuses a second import into the same database, naming it, and changes nothing', () => {
    const { dir, source } = fixtureCopy();
    const target = join(dir, 'ours.db');
    expect(apsis('import-apsis-db', source, '--db', target).status).toBe(0);
    const before = readAll(target);
    const again = apsis('import-apsis-db', source, '--db', target);
    expect(again.status).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toBe(
      `apsis import-apsis-db: ${target} already has 22 runs: an import goes only into a database without runs, ` +
        'so that no run ID is taken twice; give a new --db file\n',
    );
    expect(readAll(target)).toEqual(before);
    // A dry run says the same.
    const dry = apsis('import-apsis-db', source, '--db', target, '--dry-run');
    expect([dry.status, dry.stderr]).toEqual([1, again.stderr]);
  });

  it('--dry-run prints the counts per state, outputs and bytes, and writes nothing', () => {
    const { dir, source } = fixtureCopy();
    const target = join(dir, 'ours.db');
    const r = apsis('import-apsis-db', source, '--db', target, '--dry-run');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 7)).toEqual([
      `dry run, nothing written: ${source} holds 22 runs, 82 run-log lines, 4 outputs, 0 ad hoc jobs`,
      '  runs by state in Apsis: success 16, failure 2, error 1, running 1, scheduled 1, skipped 1',
      `would import into ${target}: 22 runs, 82 run-log lines, 4 outputs (72 bytes, 72 as stored: uncompressed 4), 0 ad hoc jobs`,
      '  runs by state once imported: success 16, failure 2, error 2, scheduled 1, skipped 1',
      '  1 output added with the message of a run the import ended in error',
      '  clock: 2026-12-02T04:24:48.006Z; next run ID: r17345',
      'not carried over as they were:',
    ]);
    expect(existsSync(target)).toBe(false);
  });

  it('refuses what is not an Apsis database, and bad usage, with the file and the way on', () => {
    const { dir, source } = fixtureCopy();
    const target = join(dir, 'ours.db');
    const missing = apsis('import-apsis-db', join(dir, 'nope.db'), '--db', target);
    expect([missing.status, missing.stderr]).toEqual([
      1,
      `apsis import-apsis-db: ${join(dir, 'nope.db')} does not exist: give the path of Apsis's database file\n`,
    ]);
    expect(apsis('import-apsis-db', source, '--db', target).status).toBe(0);
    const ours = apsis('import-apsis-db', target, '--db', join(dir, 'other.db'));
    expect([ours.status, ours.stderr]).toEqual([
      1,
      `apsis import-apsis-db: ${target} is an Apsis Console database already, not Apsis's: use it as it is ` +
        `(apsis serve DIR --db ${target})\n`,
    ]);
    expect(existsSync(join(dir, 'other.db'))).toBe(false);
    const noFolder = apsis('import-apsis-db', source, '--db', join(dir, 'no', 'such.db'));
    expect([noFolder.status, noFolder.stderr]).toEqual([
      1,
      `apsis import-apsis-db: the folder of --db ${join(dir, 'no', 'such.db')}, ${join(dir, 'no')}, does not exist: ` +
        'create it or give another path\n',
    ]);
    const plain = join(dir, 'plain.db');
    const plainDb = new Database(plain);
    plainDb.exec('CREATE TABLE notes (text TEXT)');
    plainDb.close();
    const notApsis = apsis('import-apsis-db', plain, '--db', join(dir, 'other.db'));
    expect([notApsis.status, notApsis.stderr]).toEqual([
      1,
      `apsis import-apsis-db: ${plain} is not an Apsis database: it has no table runs, run_history, output, clock\n`,
    ]);
    const itself = apsis('import-apsis-db', source, '--db', source);
    expect(itself.status).toBe(1);
    expect(itself.stderr).toContain(`--db ${source} is Apsis's database itself`);
    const usage = apsis('import-apsis-db', source);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toBe(
      "apsis import-apsis-db: --db FILE (Apsis Console's database) is required: apsis import-apsis-db APSIS_DB --db FILE [--dry-run]\n",
    );
  });
});
