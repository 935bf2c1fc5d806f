/**
 * The stats history in the database (SPEC 17.3, 17.5): how a sample is written, read back in pages, pruned, and
 * planned and read for the CSV export (samples with a shape and cells from schema version 4, without before).
 */
import type Database from 'better-sqlite3';
import { flatSample } from '../stats/flat.js';
import type { Statements, StatsRow } from './statements.js';

/** A sample for the CSV export: time (epoch seconds), shape ID, cells, and the JSON of a sample without a shape. */
export type StatsCellsRow = [number, number | null, string | null, string | null];

/** See SqliteStore.statsExportPlan. */
export interface StatsExportPlan {
  last: number;
  shapes: Map<number, string[]>;
  legacy: boolean;
}

/** A sample as collected for the next commit: its JSON, the JSON of its column names, and its CSV cells. */
export interface SampleWrite {
  json: string;
  names: string;
  cells: string;
}

/** Rows per page of stats reads and per batch of stats deletes. */
const PAGE = 1000;

/** A sample to write, with its shape and CSV cells taken from its JSON as stored. */
export function sampleWrite(stats: object): SampleWrite {
  const json = JSON.stringify(stats);
  const { names, cells } = flatSample(JSON.parse(json));
  return { json, names: JSON.stringify(names), cells: cells.join(',') };
}

/** The stats tables of one connection; SqliteStore's stats methods are these. */
export class StatsHistory {
  /** Statements of the stats export, prepared on first use (a database read before version 4 has no shapes). */
  private readonly lazy = new Map<string, Database.Statement>();

  #statsShapes: boolean | undefined;

  /** `commit` commits the collected writes before a read. */
  constructor(
    private readonly db: Database.Database,
    private readonly q: Statements,
    private readonly commit: () => void,
  ) {}

  /** Writes one sample, inside the commit's transaction. */
  write(time: number, { json, names, cells }: SampleWrite): void {
    // Not cached: a shape inserted by a transaction that then failed would be an ID naming nothing.
    const shape = this.statement(
      'INSERT INTO stats_shapes (names) VALUES (?) ON CONFLICT (names) DO UPDATE SET names = excluded.names RETURNING id',
    )
      .pluck()
      .get(names) as number;
    this.statement(
      `INSERT INTO stats (time, stats, shape, cells) VALUES (?, ?, ?, ?)
           ON CONFLICT (time) DO UPDATE SET stats = excluded.stats, shape = excluded.shape, cells = excluded.cells`,
    ).run(time, json, shape, cells);
  }

  /** See SqliteStore.statsExportPlan. */
  exportPlan(from: number, to: number): StatsExportPlan | null {
    this.commit();
    const last = this.statement('SELECT max(time) FROM stats WHERE time >= ? AND time < ?')
      .pluck()
      .get(from, to) as number | null;
    if (last === null) return null;
    const shapes = new Map<number, string[]>();
    if (!this.statsShapes) return { last, shapes, legacy: true };
    let legacy = false;
    const ids = this.statement('SELECT DISTINCT shape FROM stats WHERE time >= ? AND time <= ?')
      .pluck()
      .all(from, last) as (number | null)[];
    const namesOf = this.statement('SELECT names FROM stats_shapes WHERE id = ?').pluck();
    for (const id of ids) {
      if (id === null) legacy = true;
      else shapes.set(id, JSON.parse((namesOf.get(id) as string | undefined) ?? '[]') as string[]);
    }
    return { last, shapes, legacy };
  }

  /** See SqliteStore.iterateStatsCells. */
  *cells(from: number, last: number, legacyOnly: boolean): Generator<StatsCellsRow, void, undefined> {
    this.commit();
    const columns = this.statsShapes
      ? 'time, shape, cells, CASE WHEN shape IS NULL THEN stats END'
      : 'time, NULL, NULL, stats';
    const only = legacyOnly && this.statsShapes ? ' AND shape IS NULL' : '';
    const first = this.statement(
      `SELECT ${columns} FROM stats WHERE time >= ? AND time <= ?${only} ORDER BY time LIMIT ?`,
    ).raw();
    const next = this.statement(
      `SELECT ${columns} FROM stats WHERE time > ? AND time <= ?${only} ORDER BY time LIMIT ?`,
    ).raw();
    let page = first.all(from, last, PAGE) as StatsCellsRow[];
    for (;;) {
      yield* page;
      const end = page.at(-1);
      if (page.length < PAGE || end === undefined) return;
      page = next.all(end[0], last, PAGE) as StatsCellsRow[];
    }
  }

  /** See SqliteStore.iterateStats. */
  *samples(from: number, to: number): Generator<StatsRow, void, undefined> {
    this.commit();
    let page = this.q.statsFrom.all(from, to, PAGE);
    for (;;) {
      yield* page;
      const last = page.at(-1);
      if (page.length < PAGE || last === undefined) return;
      page = this.q.statsAfter.all(last.time, to, PAGE);
    }
  }

  /** See SqliteStore.pruneStats. */
  async prune(before: number): Promise<number> {
    this.commit();
    let deleted = 0;
    while (this.db.open) {
      const { changes } = this.q.pruneStats.run(before, PAGE);
      deleted += changes;
      if (changes < PAGE) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return deleted;
  }

  private statement(sql: string): Database.Statement {
    let statement = this.lazy.get(sql);
    if (statement === undefined) this.lazy.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  /** Whether samples have shapes here: false for a database of version 3 or older opened read-only. */
  private get statsShapes(): boolean {
    this.#statsShapes ??=
      this.statement("SELECT count(*) FROM pragma_table_info('stats') WHERE name = 'shape'").pluck().get() ===
      1;
    return this.#statsShapes;
  }
}
