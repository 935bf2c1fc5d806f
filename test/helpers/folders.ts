/** Temporary job folders for tests. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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

/** The reference corpus recorded from Apsis 1.1.2 (../shared/reference beside the repository). */
export const REFERENCE = join(import.meta.dirname, '..', '..', '..', 'shared', 'reference');
