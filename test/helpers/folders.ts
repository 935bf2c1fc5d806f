/** Temporary job folders for tests, and where this checkout's files are. */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A fresh temp directory holding `files` (relative path → text). */
export function jobFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'apsis-jobs-'));
  for (const [rel, text] of Object.entries(files)) {
    const path = join(dir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return dir;
}

/** The checkout's root (where package.json is), from the test sources or from their build in dist/. */
function repoRoot(): string {
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${import.meta.dirname}`);
  }
}

export const ROOT = repoRoot();

/** The `apsis` command of this checkout (compiled JS; `npm ci` builds it). */
export const APSIS_BIN = join(ROOT, 'bin', 'apsis');

/** Test fixtures kept in the repository (test/fixtures/README.md says where each comes from). */
export const FIXTURES = join(ROOT, 'test', 'fixtures');

/** The reference corpus recorded from Apsis 1.1.2: job files, their 2027 plan, bad files, stats shapes. */
export const REFERENCE = join(FIXTURES, 'reference');
