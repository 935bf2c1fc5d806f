// The stats CSV (SPEC 17.5) read in one pass from each sample's stored shape and cells (schema version 4), checked
// against a plain reading of the samples' JSON; and databases from before version 4: migrated, or read as they are.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStatsHistory } from '../../main/cli/stats-csv.js';
import { statsCsv } from '../../main/stats/csv.js';
import { SqliteStore } from '../../main/store/sqlite-store.js';
import { apsis } from './stats-harness.js';

const T0 = 1_800_000_000;

/** Samples of several shapes: fields appear and go, nest, collide through dotted keys, and need quoting. */
const SAMPLES: object[] = [
  { time: 'x', a: 1, b: { c: 2.5, d: 'plain' } },
  { time: 'x', a: 2, b: { c: 3, d: 'with, comma' } },
  { time: 'x', a: 3, b: { c: 4, d: 'say "hi"\nbye' }, extra: [1, 'two'] },
  { time: 'x', a: null, flag: true, 'b.c': 9 },
  { time: 'x', a: 5, b: { c: 6, d: 'plain' } },
  { time: 'x', b: { d: { deeper: false } } },
  { time: 'x', 'b.c': 7, b: { c: 8 } },
  { time: 'x' },
];

/** What the CSV must hold, from the samples' JSON: header of every dotted name, then one row per sample. */
function expected(samples: { time: number; value: object }[]): string[][] {
  const flat = samples.map(({ value }) => {
    const out = new Map<string, string>();
    const walk = (v: unknown, name: string): void => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        for (const [k, child] of Object.entries(v)) walk(child, name === '' ? k : `${name}.${k}`);
      } else if (name !== 'time')
        // Numbers and booleans read back from JSON print as JSON does; arrays are JSON; strings as they are.
        out.set(name, v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
    };
    walk(JSON.parse(JSON.stringify(value)), '');
    return out;
  });
  const names = [...new Set(flat.flatMap((m) => [...m.keys()]))].sort();
  return [
    ['time', ...names],
    ...flat.map((m, i) => [
      new Date((samples[i] as { time: number }).time * 1000).toISOString(),
      ...names.map((n) => m.get(n) ?? ''),
    ]),
  ];
}

async function csvOf(store: SqliteStore, from?: number, to?: number): Promise<string> {
  let text = '';
  for await (const chunk of statsCsv(store, from, to)) text += chunk;
  return text;
}

function rows(text: string): string[][] {
  return parse(text);
}

function newDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'apsis-csv-shapes-')), 'apsis.db');
}

function fill(store: SqliteStore, samples: object[], start: number): { time: number; value: object }[] {
  const out = samples.map((value, i) => ({ time: start + i * 10, value }));
  store.transaction(() => {
    for (const { time, value } of out) store.insertStats(time, value);
  });
  return out;
}

/** Takes a database back to schema version 3, as a build before shapes left it (samples keep their JSON). */
function toVersion3(path: string): void {
  const db = new Database(path);
  db.exec(
    'DROP INDEX stats_time_shape; DROP TABLE stats_shapes; ALTER TABLE stats DROP COLUMN cells; ' +
      'ALTER TABLE stats DROP COLUMN shape; PRAGMA user_version = 3',
  );
  db.close();
}

describe('stats CSV from stored shapes', () => {
  it('equals a plain reading of the samples JSON, for the whole history and for a part of it', async () => {
    const store = SqliteStore.open(newDb(), { now: T0 });
    const stored = fill(store, SAMPLES, T0);
    expect(rows(await csvOf(store))).toEqual(expected(stored));
    // A range holding only some shapes has only their columns.
    expect(rows(await csvOf(store, T0, T0 + 20))).toEqual(expected(stored.slice(0, 2)));
    expect(rows(await csvOf(store, T0 + 30, T0 + 50))).toEqual(expected(stored.slice(3, 5)));
    expect(await csvOf(store, T0 + 1000)).toBe('time\r\n');
    store.close();
  });

  it('a version 3 database migrates to version 4: old samples keep their rows beside new ones', async () => {
    const path = newDb();
    const before = SqliteStore.open(path, { now: T0 });
    const old = fill(before, SAMPLES.slice(0, 4), T0);
    before.close();
    toVersion3(path);

    const store = SqliteStore.open(path, { now: T0 });
    expect(store.db.pragma('user_version', { simple: true })).toBe(4);
    expect(store.db.prepare('SELECT count(*) FROM stats WHERE shape IS NULL').pluck().get()).toBe(4);
    const added = fill(store, SAMPLES.slice(4), T0 + 1000);
    expect(rows(await csvOf(store))).toEqual(expected([...old, ...added]));
    // The history API still reads the old samples as they were stored.
    expect([...store.iterateStats()].map((r) => JSON.parse(r.stats) as object)).toEqual([
      ...SAMPLES.slice(0, 4),
      ...SAMPLES.slice(4),
    ]);
    store.close();
  });

  it('apsis stats-csv reads a version 3 database as it is (read-only, not migrated)', () => {
    const path = newDb();
    const store = SqliteStore.open(path, { now: T0 });
    const stored = fill(store, SAMPLES, T0);
    store.close();
    toVersion3(path);
    const r = apsis('stats-csv', '--db', path);
    expect(r.status).toBe(0);
    expect(rows(r.stdout.toString())).toEqual(expected(stored));
    const reader = openStatsHistory(path);
    expect(reader.db.pragma('user_version', { simple: true })).toBe(3);
    reader.close();
  });
});
