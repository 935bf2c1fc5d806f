/**
 * The stats history as CSV (SPEC 17.5): the one implementation behind `apsis stats-csv`,
 * `GET /api/v1/stats/history.csv` and the console's export.
 *
 * One pass over the samples, no JSON parsed, memory constant whatever the range: the header (the union of field
 * names over the range) comes from the shapes of the samples in the range (schema version 4, see flat.ts), read from
 * an index; each sample's stored cells then make its row, as they are when its shape is the header, else placed
 * under the header's columns. Samples stored before version 4 have no shape: their JSON is read in a first pass
 * over them alone for the names, and again for their rows.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { StatsCellsRow, StatsExportPlan } from '../store/sqlite-store.js';
import { cell, csvField, splitCells, TIME_FIELD } from './flat.js';
import { PACE } from './streaming.js';

export { csvField };

/** What the CSV is read from: the engine's store, or a read-only one. */
export interface StatsHistorySource {
  statsExportPlan(from: number, to: number): StatsExportPlan | null;
  iterateStatsCells(from: number, last: number, legacyOnly?: boolean): Iterable<StatsCellsRow>;
}

/** Text is handed out in chunks of about this many UTF-16 code units. */
const CHUNK = 64 * 1024;

/**
 * A dotted field name (SPEC 17.1) in a tree of names, for samples without a shape: each name is built once per
 * export, not once per sample. Same names as flatSample.
 */
interface NameNode {
  name: string;
  children: Map<string, NameNode>;
  /** Column index in the header, once known; -1 while the name has not been seen as a value. */
  column: number;
}

function child(node: NameNode, key: string): NameNode {
  let next = node.children.get(key);
  if (next === undefined) {
    next = { name: node.name === '' ? key : `${node.name}.${key}`, children: new Map(), column: -1 };
    node.children.set(key, next);
  }
  return next;
}

/** Calls `leaf` for each value of `value` below `node`: nested objects are walked, arrays are values. */
function walk(value: unknown, node: NameNode, leaf: (node: NameNode, value: unknown) => void): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    if (node.name !== '') leaf(node, value);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) walk(record[key], child(node, key), leaf);
}

/** A stored sample's JSON; a damaged one parses as `{}` (its row is still written, with empty cells). */
function parseSample(json: string | null): unknown {
  try {
    return JSON.parse(json ?? '{}');
  } catch {
    return {};
  }
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The CSV of the samples with `from <= time < to` (epoch seconds), as chunks of text; the header only for an
 * empty range. Rows come in time order; a sample stored after the export began is left out, so the header covers
 * every row.
 */
export async function* statsCsv(
  source: StatsHistorySource,
  from = -Infinity,
  to = Infinity,
): AsyncGenerator<string, void, undefined> {
  const plan = source.statsExportPlan(from, to);
  if (plan === null) {
    yield `${TIME_FIELD}\r\n`;
    return;
  }
  const { last } = plan;
  const names = new Set<string>();
  for (const shape of plan.shapes.values()) for (const name of shape) names.add(name);
  const root: NameNode = { name: '', children: new Map(), column: -1 };
  const named: NameNode[] = [];
  if (plan.legacy) {
    const see = (node: NameNode): void => {
      if (node.column !== -1) return;
      node.column = 0;
      named.push(node);
      names.add(node.name);
    };
    let seen = 0;
    for (const [, , , json] of source.iterateStatsCells(from, last, true)) {
      walk(parseSample(json), root, see);
      if (++seen % PACE === 0) await yieldToLoop();
    }
  }
  // The stats field `time` is the first column already (SPEC 17.5). Keys holding dots ({"a.b": 1} beside
  // {"a": {"b": 2}}) give one name twice: one column.
  names.delete(TIME_FIELD);
  const columns = [...names].sort(byName);
  const columnOf = new Map(columns.map((name, i) => [name, i]));
  for (const node of named) node.column = columnOf.get(node.name) ?? -1;
  // Where each shape's cells go: null when the shape is the header itself (the stored cells are the row).
  const placing = new Map<number, Int32Array | null>();
  for (const [id, shape] of plan.shapes) {
    const same = shape.length === columns.length && shape.every((name, i) => columns[i] === name);
    placing.set(id, same ? null : Int32Array.from(shape, (name) => columnOf.get(name) ?? -1));
  }

  let text = [TIME_FIELD, ...columns].map(csvField).join(',') + '\r\n';
  const cells: string[] = new Array<string>(columns.length).fill('');
  const put = (node: NameNode, value: unknown): void => {
    if (node.column !== -1) cells[node.column] = cell(value);
  };
  let rows = 0;
  for (const [time, shape, stored, json] of source.iterateStatsCells(from, last)) {
    text += new Date(Math.round(time * 1000)).toISOString();
    const place = shape === null ? undefined : placing.get(shape);
    if (place === null) {
      if (columns.length > 0) text += `,${stored ?? ''}`;
    } else {
      cells.fill('');
      if (place === undefined) walk(parseSample(json), root, put);
      else if (place.length > 0) {
        const values = splitCells(stored ?? '');
        for (let k = 0; k < place.length; k += 1) {
          const column = place[k] as number;
          if (column !== -1) cells[column] = values[k] ?? '';
        }
      }
      if (columns.length > 0) text += `,${cells.join(',')}`;
    }
    text += '\r\n';
    if (text.length >= CHUNK) {
      yield text;
      text = '';
    }
    if (++rows % PACE === 0) await yieldToLoop();
  }
  if (text !== '') yield text;
}
