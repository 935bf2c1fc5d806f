// `apsis stats-csv` (SPEC 18.4) refusals: read-only, never creates, exit 1 for a missing file or a database
// without a stats table, exit 2 for bad usage.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../main/store/sqlite-store.js';
import { apsis } from './stats-harness.js';

const temp = (): string => mkdtempSync(join(tmpdir(), 'apsis-stats-cli-'));

describe('apsis stats-csv', () => {
  it('a missing file: exit 1 with a message, and the file is not created', () => {
    const db = join(temp(), 'none.db');
    const r = apsis('stats-csv', '--db', db);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`apsis stats-csv: ${db} does not exist`);
    expect(r.stdout.length).toBe(0);
    expect(existsSync(db)).toBe(false);
  });

  it('a database without a stats table: exit 1 with a message', () => {
    const dir = temp();
    const other = join(dir, 'other.db');
    const foreign = new Database(other);
    foreign.exec('CREATE TABLE things (id INTEGER)');
    foreign.close();
    const r1 = apsis('stats-csv', '--db', other);
    expect(r1.status).toBe(1);
    expect(r1.stderr).toMatch(
      /^apsis stats-csv: .*other\.db is an SQLite database but not an Apsis Console one/,
    );

    const ours = join(dir, 'apsis.db');
    const store = SqliteStore.open(ours, { now: 1_700_000_000 });
    store.db.exec('DROP TABLE stats');
    store.close();
    const r2 = apsis('stats-csv', '--db', ours);
    expect(r2.status).toBe(1);
    expect(r2.stderr).toContain('missing tables: stats');

    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello');
    expect(apsis('stats-csv', '--db', text).status).toBe(1);
  });

  it('a fresh database gives the header only; bad usage exits 2', () => {
    const db = join(temp(), 'apsis.db');
    SqliteStore.open(db, { now: 1_700_000_000 }).close();
    const ok = apsis('stats-csv', '--db', db);
    expect(ok.status).toBe(0);
    expect(ok.stdout.toString()).toBe('time\r\n');
    expect(apsis('stats-csv').status).toBe(2);
    const bad = apsis('stats-csv', '--db', db, '--from', 'yesterday');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--from 'yesterday' is not an ISO 8601 time");
    expect(
      apsis('stats-csv', '--db', db, '--to', '2024-01-01T00:00:00Z', '--from', '2024-02-01T00:00:00Z').status,
    ).toBe(2);
    expect(apsis('stats-csv', '--db', db, 'extra').status).toBe(2);
    const noDir = apsis('stats-csv', '--db', db, '--out', join(temp(), 'no', 'such', 'out.csv'));
    expect(noDir.status).toBe(1);
    expect(noDir.stderr).toContain('apsis stats-csv: cannot write');
  });
});
