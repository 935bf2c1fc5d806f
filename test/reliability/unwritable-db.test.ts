// A database the engine may not write (issue 9): `apsis serve` refuses to start with a message naming the file,
// the cause and the way on, and leaves the file as it was. Run as an unprivileged user when the tests run as root
// (root may write anything), else with the permissions taken away.
import { APSIS_BIN } from '../helpers/folders.js';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { integrity } from '../helpers/db.js';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

function folderWithDb(): { dir: string; jobs: string; db: string } {
  const dir = mkdtempSync(join(tmpdir(), 'apsis-unwritable-'));
  chmodSync(dir, 0o755);
  const jobs = join(dir, 'jobs');
  mkdirSync(jobs);
  writeFileSync(join(jobs, 'a.yaml'), 'program: {type: no-op}\n');
  const db = join(dir, 'apsis.db');
  // A database an engine created and closed (SIGTERM: a clean shutdown).
  const out = spawnSync(process.execPath, [APSIS_BIN, 'serve', jobs, '--db', db, '--port', '0'], {
    timeout: 3000,
    killSignal: 'SIGTERM',
    encoding: 'utf8',
  });
  expect(out.stdout).toMatch(/listening on/);
  return { dir, jobs, db };
}

function serveAsOther(jobs: string, db: string): { status: number | null; stderr: string } {
  const out = spawnSync(process.execPath, [APSIS_BIN, 'serve', jobs, '--db', db, '--port', '0'], {
    timeout: 10_000,
    encoding: 'utf8',
    ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  return { status: out.status, stderr: out.stderr };
}

describe('a database the engine may not write', () => {
  it('read-only folder: refuses to start, names the folder and the way on', () => {
    const { dir, jobs, db } = folderWithDb();
    if (!asRoot) chmodSync(dir, 0o555);
    const out = serveAsOther(jobs, db);
    chmodSync(dir, 0o755);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(`apsis serve: cannot open ${db} for writing (`);
    expect(out.stderr).toContain(
      `in ${dir}; make that folder and the file writable, or choose another --db file`,
    );
    expect(out.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(integrity(db)).toBe('ok');
  }, 30_000);

  it('writable folder, read-only file: refuses at start instead of failing at the first write', () => {
    const { dir, jobs, db } = folderWithDb();
    chmodSync(dir, 0o777);
    chmodSync(db, 0o444);
    const out = serveAsOther(jobs, db);
    chmodSync(dir, 0o755);
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(new RegExp(`^apsis serve: cannot open ${db} for writing \\(EACCES\\)`));
    expect(integrity(db)).toBe('ok');
  }, 30_000);
});
