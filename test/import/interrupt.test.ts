// Ctrl-C during `apsis import-apsis-db` (SPEC 18.6): a real child process importing a big Apsis database, stopped
// mid-import, leaves our database as it was: no runs, and it opens fine.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../main/store/sqlite-store.js';
import { writeApsisDb } from '../helpers/apsis-db.js';
import { integrity } from '../helpers/db.js';
import { APSIS_BIN } from '../helpers/folders.js';

const RUNS = 100_000;
let dir: string;
let source: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'apsis-import-interrupt-'));
  source = join(dir, 'apsis.db');
  writeApsisDb(source, { runs: RUNS });
}, 120_000);

/**
 * Starts an import of `source` into `target` and sends `signal` once a progress line shows it mid-way through the
 * runs; resolves with the exit code, the signal that ended it, the stderr text and the progress line seen.
 */
function interruptedImport(
  target: string,
  signal: NodeJS.Signals,
): Promise<{
  code: number | null;
  killedBy: NodeJS.Signals | null;
  stderr: string;
  stdout: string;
  seen: string;
}> {
  const child = spawn(process.execPath, [APSIS_BIN, 'import-apsis-db', source, '--db', target], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  let seen = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    const m = /runs (\d+)\/(\d+)/.exec(stderr);
    if (seen === '' && m !== null && Number(m[1]) > 0 && Number(m[1]) < RUNS) {
      seen = m[0];
      child.kill(signal);
    }
  });
  return new Promise((resolve) =>
    child.on('exit', (code, killedBy) => {
      clearTimeout(timer);
      resolve({ code, killedBy, stderr, stdout, seen });
    }),
  );
}

function runsIn(path: string): number {
  const store = SqliteStore.open(path, { now: Date.now() / 1000 });
  try {
    return store.db.prepare<[], number>('SELECT COUNT(*) FROM runs').pluck().get() ?? -1;
  } finally {
    store.close();
  }
}

describe('interrupting import-apsis-db', () => {
  it('Ctrl-C rolls back: exit 130, our existing database as it was, with no runs, and it opens fine', async () => {
    const target = join(dir, 'existing.db');
    const store = SqliteStore.open(target, { now: Date.now() / 1000 });
    store.close();
    const r = await interruptedImport(target, 'SIGINT');
    expect(r.seen).not.toBe('');
    expect(r.code).toBe(130);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      'apsis import-apsis-db: interrupted; rolling back (Ctrl-C again to stop at once)\n',
    );
    expect(r.stderr).toContain(
      `apsis import-apsis-db: interrupted: nothing was imported; ${target} is as it was\n`,
    );
    expect(runsIn(target)).toBe(0);
    expect(integrity(target)).toBe('ok');
  });

  it('Ctrl-C removes a database file the import itself created', async () => {
    const target = join(dir, 'new.db');
    const r = await interruptedImport(target, 'SIGINT');
    expect([r.seen !== '', r.code]).toEqual([true, 130]);
    expect(['', '-wal', '-shm', '.lock'].filter((s) => existsSync(`${target}${s}`))).toEqual([]);
  });

  it('a kill mid-import (no chance to roll back) still leaves no runs, and the database opens fine', async () => {
    const target = join(dir, 'killed.db');
    const r = await interruptedImport(target, 'SIGKILL');
    expect([r.seen !== '', r.killedBy]).toEqual([true, 'SIGKILL']);
    expect(runsIn(target)).toBe(0);
    expect(integrity(target)).toBe('ok');
    // The import can be run again, now to the end.
    const again = await new Promise<number | null>((resolve) =>
      spawn(process.execPath, [APSIS_BIN, 'import-apsis-db', source, '--db', target], { stdio: 'ignore' }).on(
        'exit',
        resolve,
      ),
    );
    expect(again).toBe(0);
    expect(runsIn(target)).toBe(RUNS);
  }, 120_000);
});
