// An Apsis database with odd and damaged rows (SPEC 18.6): what can come over does, with compressed outputs kept as
// stored; whatever cannot is named in the report and the exit status is 1, never dropped silently.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { run } from '../../main/cli/main.js';
import type { CliIo } from '../../main/cli/io.js';
import { writeApsisDb } from '../helpers/apsis-db.js';

async function importDb(...args: string[]): Promise<{ status: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), now: () => Date.now() };
  const status = await run(['import-apsis-db', ...args], io);
  return { status, out, err };
}

function query<T>(path: string, sql: string): T[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare<[], T>(sql).all();
  } finally {
    db.close();
  }
}

describe('import-apsis-db with damaged and odd rows', () => {
  it('imports what it can, reports the rest by run ID, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apsis-import-'));
    const source = join(dir, 'apsis.db');
    const target = join(dir, 'ours.db');
    // 20 runs: r18 scheduled for 2031, r19 waiting on a dependency, r20 running; every hello output compressed.
    writeApsisDb(source, { runs: 20, compressedEvery: 1 });
    const db = new Database(source);
    const agent = (extra: object): string =>
      JSON.stringify({
        type: 'apsis.program.agent.BoundAgentProgram',
        argv: ['true'],
        host: null,
        user: null,
        ...extra,
      });
    db.exec(`
      UPDATE runs SET state = 'bogus' WHERE run_id = 'r3';
      UPDATE runs SET times = '{"schedule": "yesterday"}' WHERE run_id = 'r5';
      UPDATE runs SET program = '{"type": "mycompany.programs.Spark", "job": "x"}' WHERE run_id = 'r6';
      UPDATE runs SET args = '{"who": "w2", "a": "first"}', message = 'done by hand' WHERE run_id = 'r2';
      UPDATE runs SET program = '{"type": "mycompany.programs.Hadoop", "job": "y"}' WHERE run_id = 'r18';
      UPDATE runs SET program = '${agent({ host: 'batch2' })}' WHERE run_id = 'r17';
      UPDATE runs SET actions = '[{"type": "apsis.actions.test.SleepThreadAction", "duration": 1}]' WHERE run_id = 'r7';
      UPDATE run_history SET timestamp = 'noon' WHERE rowid = (SELECT MIN(rowid) FROM run_history WHERE run_id = 'r8');
      UPDATE output SET compression = 'zstd' WHERE run_id = 'r11';
      UPDATE output SET data = X'00010203' WHERE run_id = 'r15';
      UPDATE output SET length = 99 WHERE run_id = 'r4';
      UPDATE next_run_id SET number = 5;
    `);
    db.prepare('INSERT INTO jobs (job_id, job) VALUES (?, ?)').run(
      'adhoc-AbCdEfGhIjKl',
      JSON.stringify({
        job_id: 'adhoc-AbCdEfGhIjKl',
        params: ['who'],
        schedule: [],
        program: { type: 'shell', command: 'echo hello {{ who }}' },
        condition: [],
        action: [],
        metadata: { labels: [] },
        ad_hoc: true,
      }),
    );
    db.prepare('INSERT INTO jobs (job_id, job) VALUES (?, ?)').run(
      'adhoc-broken',
      '{"program": {"type": "nope"}}',
    );
    const compressed = db
      .prepare<[], { run_id: string; data: Buffer }>(
        "SELECT run_id, data FROM output WHERE compression = 'br'",
      )
      .all();
    db.close();
    expect(compressed.length).toBeGreaterThan(3);

    const dry = await importDb(source, '--db', target, '--dry-run');
    const r = await importDb(source, '--db', target);
    expect([dry.status, r.status]).toEqual([1, 1]);
    // The dry run said exactly what the import then did.
    const said = dry.out.map((l) =>
      l
        .replace('dry run, nothing written: ', '')
        .replace('would import into', 'imported into')
        .replace('once imported', 'as imported'),
    );
    expect(r.out.slice(0, said.length)).toEqual(said);
    expect(r.out.slice(said.length).map((l) => l.replace(/[\d.]+ s\.$/, 'N s.'))).toEqual([
      'done in N s.',
      'Scheduled and waiting runs go on when apsis serve starts on this database, as after a restart.',
    ]);
    const text = r.out.join('\n');
    expect(text).toContain('runs not imported, nor their run-log lines and outputs (2):');
    expect(text).toContain(
      '    r3: state is the string "bogus", not a run state (left out with it: 4 run-log lines)',
    );
    expect(text).toContain(
      '    r5: times.schedule is the string "yesterday", not an ISO time with an offset (left out with it: 4 run-log lines, 1 output)',
    );
    expect(text).toContain('run-log lines not imported (1):');
    expect(text).toContain('    r8: a line with timestamp the string "noon"');
    expect(text).toContain(
      '    r11/output: compression the string "zstd" is not one Apsis Console reads (br, gzip, deflate)',
    );
    expect(text).toMatch(/ {4}r15\/output: data does not decompress as br/);
    expect(text).toContain('    r4/output: length says 99 bytes, data holds 14');
    expect(text).toContain('    adhoc-broken: Apsis Console does not accept it:');
    expect(text).toContain(
      '    r6 (demo/tick): its program type "mycompany.programs.Spark" has no counterpart in Apsis Console',
    );
    expect(text).toContain(
      '    r7 (demo/hello): action type "apsis.actions.test.SleepThreadAction" has no counterpart in Apsis Console',
    );
    expect(text).toContain('    r2 (demo/hello): done by hand');
    expect(text).toContain(
      `    r18 (demo/hello): imported from Apsis: it cannot run in Apsis Console: its program type "mycompany.programs.Hadoop" has no counterpart in Apsis Console`,
    );
    expect(text).toContain('    r20 (demo/long): was running');

    const runs = new Map(
      query<{ run_id: string; state: string; args: string; program: string | null; conds: string }>(
        target,
        'SELECT run_id, state, args, program, conds FROM runs',
      ).map((row) => [row.run_id, row]),
    );
    expect(runs.size).toBe(18);
    expect(runs.has('r3') || runs.has('r5')).toBe(false);
    expect(runs.get('r2')?.args).toBe('{"a":"first","who":"w2"}'); // sorted, as our instances are
    expect(runs.get('r6')?.program).toBeNull();
    expect(runs.get('r18')?.state).toBe('error');
    expect(JSON.parse(runs.get('r17')?.program ?? 'null')).toMatchObject({ type: 'program', host: 'batch2' });
    expect(runs.get('r19')?.state).toBe('waiting');
    expect(JSON.parse(runs.get('r19')?.conds ?? '')).toEqual([
      { type: 'dependency', job_id: 'demo/hello', args: { who: 'nobody' }, states: ['success'] },
    ]);
    expect(runs.get('r20')?.state).toBe('error');
    const log18 = query<{ message: string }>(target, "SELECT message FROM run_history WHERE run_id = 'r18'");
    expect(log18.at(-1)?.message).toMatch(
      /^error: imported from Apsis: it cannot run in Apsis Console: its program type "mycompany\.programs\.Hadoop"/,
    );

    // Compressed outputs come over as stored, bytes and all; the damaged one is kept as Apsis had it.
    const outputs = new Map(
      query<{ run_id: string; compression: string | null; data: Buffer }>(
        target,
        'SELECT run_id, compression, data FROM output',
      ).map((o) => [o.run_id, o]),
    );
    for (const c of compressed) {
      if (c.run_id === 'r5' || c.run_id === 'r11') {
        expect(outputs.has(c.run_id)).toBe(false);
        continue;
      }
      expect(outputs.get(c.run_id)?.compression).toBe('br');
      expect(
        outputs.get(c.run_id)?.data.equals(c.run_id === 'r15' ? Buffer.from([0, 1, 2, 3]) : c.data),
      ).toBe(true);
    }

    const jobs = query<{ job_id: string; job: string }>(target, 'SELECT job_id, job FROM jobs');
    expect(jobs.map((j) => [j.job_id, JSON.parse(j.job) as unknown])).toEqual([
      [
        'adhoc-AbCdEfGhIjKl',
        {
          params: ['who'],
          program: { type: 'shell', command: 'echo hello {{ who }}' },
          metadata: { labels: [] },
        },
      ],
    ]);
    // Apsis's next_run_id was behind its own runs: ours goes past every run ID so none is reused.
    expect(query<{ number: number }>(target, 'SELECT number FROM next_run_id')).toEqual([{ number: 21 }]);
  });
});

describe('import-apsis-db with an output table that lost its primary key', () => {
  it('keeps the first of two outputs with the same key and reports the second', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apsis-import-'));
    const source = join(dir, 'apsis.db');
    writeApsisDb(source, { runs: 12 });
    const db = new Database(source);
    db.exec(`
      CREATE TABLE output2 AS SELECT * FROM output;
      DROP TABLE output;
      ALTER TABLE output2 RENAME TO output;
      INSERT INTO output SELECT run_id, output_id, name, content_type, 3, NULL, X'414243' FROM output WHERE run_id = 'r2';
    `);
    db.close();
    const target = join(dir, 'ours.db');
    const r = await importDb(source, '--db', target);
    expect(r.status).toBe(1);
    expect(r.out.join('\n')).toContain(
      '  outputs not imported (1):\n    r2/output: a second output of that ID',
    );
    const outputs = query<{ run_id: string; data: Buffer }>(
      target,
      'SELECT run_id, data FROM output ORDER BY run_id',
    );
    expect(outputs.find((o) => o.run_id === 'r2')?.data.toString()).toBe('hello w2\nto stderr\n');
    // Five outputs of their own, plus the error message of r12, which Apsis was running.
    expect(outputs.map((o) => o.run_id)).toEqual(['r1', 'r12', 'r2', 'r4', 'r5', 'r7']);
  });
});
