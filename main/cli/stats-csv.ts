/** `apsis stats-csv --db FILE [--from TIME] [--to TIME] [--out FILE]` (SPEC 18.4): the stats history as CSV. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { statsCsv } from '../stats/csv.js';
import { writeChunks } from '../stats/streaming.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { StoreError } from '../store/store-error.js';
import { parseInstant } from '../time/instants.js';
import type { CliIo } from './io.js';
import { parseCommandArgs, UsageError } from './usage.js';

/**
 * Opens `path` read-only for reading its stats history: never creates it, takes no engine lock (an engine may be
 * running on it). Throws StoreError for a missing file or one that is not an Apsis Console database with a
 * `stats` table.
 */
export function openStatsHistory(path: string): SqliteStore {
  const store = SqliteStore.open(path, { readonly: true, create: false });
  // Without memory mapping, reading a large history does not grow the process's resident size.
  store.db.pragma('mmap_size = 0');
  return store;
}

/** Runs the command; CSV goes to `--out` or to `stdout`, streamed. */
export async function statsCsvCommand(
  args: string[],
  io: CliIo,
  stdout: Writable = process.stdout,
): Promise<number> {
  const { values, positionals } = parseCommandArgs('stats-csv', args, {
    db: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    out: { type: 'string' },
  });
  if (positionals.length > 0)
    throw new UsageError(`apsis stats-csv: unexpected argument '${positionals[0] ?? ''}'`);
  const db = values['db'];
  if (typeof db !== 'string' || db === '')
    throw new UsageError('apsis stats-csv: --db FILE is required: apsis stats-csv --db FILE [--out FILE]');
  const from = instantOption(values['from'], '--from') ?? -Infinity;
  const to = instantOption(values['to'], '--to') ?? Infinity;
  if (from > to) throw new UsageError('apsis stats-csv: --from must not be later than --to');

  let store: SqliteStore;
  try {
    store = openStatsHistory(db);
  } catch (e) {
    if (e instanceof StoreError) {
      io.err(`apsis stats-csv: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const out = typeof values['out'] === 'string' ? values['out'] : null;
  const sink = out === null ? stdout : createWriteStream(out);
  // Errors are collected here: a stream error with no listener would end the process.
  let failure: NodeJS.ErrnoException | null = null;
  const onError = (e: Error): void => {
    failure ??= e;
  };
  sink.on('error', onError);
  try {
    if (out !== null) await once(sink, 'open');
    await writeChunks(statsCsv(store, from, to), sink);
    if (out !== null) {
      sink.end();
      await once(sink, 'close');
    }
  } catch (e) {
    failure ??= e as Error;
  } finally {
    store.close();
    sink.off('error', onError);
  }
  if (failure === null) return 0;
  const error: NodeJS.ErrnoException = failure;
  if (out === null && error.code === 'EPIPE') return 0; // the reader stopped early (`| head`)
  io.err(`apsis stats-csv: cannot write ${out ?? 'stdout'}: ${error.message}`);
  if (out !== null) sink.destroy();
  return 1;
}

/** Epoch seconds of an ISO 8601 option, or null when absent. */
function instantOption(value: string | boolean | string[] | undefined, name: string): number | null {
  if (typeof value !== 'string') return null;
  const t = parseInstant(value);
  if (t === null)
    throw new UsageError(`apsis stats-csv: ${name} '${value}' is not an ISO 8601 time with an offset or Z`);
  return t / 1000;
}
