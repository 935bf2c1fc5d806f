/**
 * The stats history as CSV (SPEC 17.5): the one implementation behind `apsis stats-csv`,
 * `GET /api/v1/stats/history.csv` and the console's export.
 *
 * Memory stays constant whatever the range: the header needs the union of field names over the range, so the
 * samples are read twice from the database (pages of rows, see SqliteStore.iterateStats), once for the names and
 * once for the rows. No row is held beyond the text chunk being built.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { StatsRow } from '../store/sqlite-store.js';
import { PACE } from './streaming.js';

/** What the CSV is read from: the engine's store, or a read-only one. */
export interface StatsHistorySource {
  iterateStats(from?: number, to?: number): Iterable<StatsRow>;
}

/** Text is handed out in chunks of about this many UTF-16 code units. */
const CHUNK = 64 * 1024;

/** One RFC 4180 field: quoted when it holds a comma, a double quote, CR or LF, with quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * A dotted field name (SPEC 17.1) in a tree of names: each name is built once per export, not once per sample,
 * which keeps flattening cheap enough for 259,200 samples. Same names as `flattenStats`.
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

/** A value as a cell: shortest round-trip numbers, true/false, strings as is, arrays as JSON; null is empty. */
function cell(value: unknown): string {
  switch (typeof value) {
    case 'number':
    case 'boolean':
      return String(value);
    case 'string':
      return csvField(value);
    case 'object':
      return value === null ? '' : csvField(JSON.stringify(value));
    default:
      return '';
  }
}

/** The parsed samples of the range with their row time (epoch seconds); a damaged sample parses as `{}`. */
function* samples(
  source: StatsHistorySource,
  from: number,
  to: number,
): Generator<{ time: number; value: unknown }> {
  for (const row of source.iterateStats(from, to)) {
    let value: unknown;
    try {
      value = JSON.parse(row.stats);
    } catch {
      value = {}; // its row is still written, with empty cells
    }
    yield { time: row.time, value };
  }
}

/**
 * The CSV of the samples with `from <= time < to` (epoch seconds), as chunks of text; the header only for an
 * empty range. Rows come in time order; a sample stored after the first pass began is left out, so the header
 * covers every row.
 */
export async function* statsCsv(
  source: StatsHistorySource,
  from = -Infinity,
  to = Infinity,
): AsyncGenerator<string, void, undefined> {
  const root: NameNode = { name: '', children: new Map(), column: -1 };
  const named: NameNode[] = [];
  const see = (node: NameNode): void => {
    if (node.column !== -1) return;
    node.column = 0;
    named.push(node);
  };
  let last = -Infinity;
  let seen = 0;
  for (const { time, value } of samples(source, from, to)) {
    walk(value, root, see);
    last = time;
    if (++seen % PACE === 0) await yieldToLoop();
  }
  // The stats field `time` is the first column already (SPEC 17.5).
  const sorted = named
    .filter((node) => node.name !== 'time')
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const node of named) node.column = -1;
  // Keys holding dots ({"a.b": 1} beside {"a": {"b": 2}}) give one name twice: one column, as flattenStats does.
  const columns: string[] = [];
  for (const node of sorted) {
    if (columns.at(-1) !== node.name) columns.push(node.name);
    node.column = columns.length - 1;
  }
  let text = ['time', ...columns].map(csvField).join(',') + '\r\n';
  if (seen === 0) {
    yield text;
    return;
  }
  const cells: string[] = new Array<string>(columns.length).fill('');
  const put = (node: NameNode, value: unknown): void => {
    if (node.column !== -1) cells[node.column] = cell(value);
  };
  let rows = 0;
  for (const { time, value } of samples(source, from, to)) {
    if (time > last) break;
    cells.fill('');
    walk(value, root, put);
    text += new Date(Math.round(time * 1000)).toISOString();
    text += columns.length === 0 ? '\r\n' : `,${cells.join(',')}\r\n`;
    if (text.length >= CHUNK) {
      yield text;
      text = '';
    }
    if (++rows % PACE === 0) await yieldToLoop();
  }
  if (text !== '') yield text;
}
