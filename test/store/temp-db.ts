/** Fresh database paths for store tests, and cleanup of what the tests open. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { SqliteStore } from '../../main/store/sqlite-store.js';
import type { OpenOptions } from '../../main/store/db.js';

/** Creation time of test databases: 2026-03-01T00:00:00Z. */
export const CREATED = 1772323200;

const opened: { close(): void }[] = [];

afterEach(() => {
  for (const o of opened.splice(0)) o.close();
});

/** A database path in a fresh temporary directory (the file does not exist yet). */
export function tempDbPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'apsis-store-')), 'apsis.db');
}

/** Registers something to close after the test. */
export function closeLater<T extends { close(): void }>(o: T): T {
  opened.push(o);
  return o;
}

/** Opens a store on `path` (created at CREATED by default), closed after the test. */
export function openStore(path: string, options: OpenOptions = {}): SqliteStore {
  return closeLater(SqliteStore.open(path, { now: CREATED, ...options }));
}
