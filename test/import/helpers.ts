// Shared by the import tests: the fixture recorded from Apsis 1.1.2, and bin/apsis run as a user runs it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APSIS_BIN } from '../helpers/folders.js';

export const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'apsis-db');
/** A copy of the fixture database in a fresh folder (reading a WAL-mode file creates -wal and -shm beside it). */
export function fixtureCopy(): { dir: string; source: string } {
  const dir = mkdtempSync(join(tmpdir(), 'apsis-import-'));
  const source = join(dir, 'apsis.db');
  copyFileSync(join(FIXTURE, 'apsis.db'), source);
  return { dir, source };
}

export function apsis(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [APSIS_BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
