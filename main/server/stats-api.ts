/**
 * Stats history endpoints (SPEC 15.3, 17.4, 17.5) and `/metrics`: `GET /api/v1/stats/history`,
 * `GET /api/v1/stats/history.csv`, and the current stats object in the Prometheus text format.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../engine/app.js';
import { engineStats } from '../stats/collect.js';
import { statsCsv } from '../stats/csv.js';
import { downsample, type HistoryEntry } from '../stats/downsample.js';
import { prometheusText } from '../stats/metrics.js';
import { paced, writeChunks } from '../stats/streaming.js';
import type { StatsRow } from '../store/sqlite-store.js';
import { parseInstant } from '../time/instants.js';
import { HttpError, sendJson } from './http-util.js';

const HISTORY = '/api/v1/stats/history';
const HISTORY_CSV = '/api/v1/stats/history.csv';
const METRICS = '/metrics';

/** Handles the stats history and metrics paths; false for any other path. */
export async function handleStatsApi(
  app: App,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  const path = url.pathname;
  if (path !== HISTORY && path !== HISTORY_CSV && path !== METRICS) return false;
  if (req.method !== 'GET') {
    sendJson(res, 405, { error: `method ${req.method ?? '?'} not allowed on ${path}` });
    return true;
  }
  try {
    if (path === METRICS) sendMetrics(app, res);
    else if (path === HISTORY) await sendHistory(app, res, url);
    else await sendCsv(app, res, url);
  } catch (e) {
    if (e instanceof HttpError) sendJson(res, e.status, { error: e.message });
    else if (!res.headersSent) throw e;
    else {
      // Mid-stream (e.g. the database closed by a shutdown): cut the response so it cannot pass for complete.
      console.error(`apsis: ${path} failed: ${(e as Error).message}`);
      res.destroy();
    }
  }
  return true;
}

/** `from` and `to` (epoch seconds) of the query; 400 for unparsable times or from > to. */
function range(url: URL): { from: number; to: number } {
  const from = timeParam(url, 'from') ?? -Infinity;
  const to = timeParam(url, 'to') ?? Infinity;
  if (from > to) throw new HttpError(400, 'from must not be later than to');
  return { from, to };
}

/** An ISO 8601 instant with an offset or Z, or epoch seconds (the `time` of history entries); null when absent. */
function timeParam(url: URL, name: string): number | null {
  const text = url.searchParams.get(name);
  if (text === null || text === '') return null;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  const ms = parseInstant(text);
  if (ms === null)
    throw new HttpError(
      400,
      `${name}: '${text}' is not an ISO 8601 time with an offset or Z, nor epoch seconds`,
    );
  return ms / 1000;
}

function stepParam(url: URL): number | null {
  const text = url.searchParams.get('step');
  if (text === null || text === '') return null;
  const step = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(step > 0) || !Number.isFinite(step))
    throw new HttpError(400, `step: '${text}' is not a number of seconds greater than 0`);
  return step;
}

/** JSON array of `{time, stats}` (SPEC 17.4), streamed; `time` in epoch seconds as stored. */
async function sendHistory(app: App, res: ServerResponse, url: URL): Promise<void> {
  const { from, to } = range(url);
  const step = stepParam(url);
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  const rows = paced(app.engine.store.iterateStats(from, to));
  await writeChunks(
    jsonArray(step === null ? passThrough(rows) : entries(downsample(rows, from, step))),
    res,
  );
  res.end();
}

/** Entries of stored rows: the stored text is JSON already, so it is passed through without parsing. */
async function* passThrough(rows: AsyncIterable<StatsRow>): AsyncGenerator<string> {
  for await (const row of rows) yield `{"time":${row.time},"stats":${row.stats}}`;
}

/** Downsampled entries as JSON text. */
async function* entries(history: AsyncIterable<HistoryEntry>): AsyncGenerator<string> {
  for await (const entry of history) yield JSON.stringify(entry);
}

/** `[a,b,...]` in chunks of about 64 KiB. */
async function* jsonArray(items: AsyncIterable<string>): AsyncGenerator<string> {
  let text = '[';
  let first = true;
  for await (const item of items) {
    text += first ? item : `,${item}`;
    first = false;
    if (text.length >= 64 * 1024) {
      yield text;
      text = '';
    }
  }
  yield `${text}]`;
}

/** CSV of SPEC 17.5, streamed. */
async function sendCsv(app: App, res: ServerResponse, url: URL): Promise<void> {
  const { from, to } = range(url);
  if (url.searchParams.has('step')) throw new HttpError(400, 'step: not supported for history.csv');
  res.writeHead(200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': 'attachment; filename="apsis-stats.csv"',
    'cache-control': 'no-store',
  });
  await writeChunks(statsCsv(app.engine.store, from, to), res);
  res.end();
}

function sendMetrics(app: App, res: ServerResponse): void {
  const text = prometheusText(engineStats(app));
  res.writeHead(200, {
    'content-type': 'text/plain; version=0.0.4; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}
