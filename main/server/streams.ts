/**
 * The live streams over WebSocket (SPEC 16): the summary stream, a run's stream and its output stream, each the
 * console service's feed sent as frames. Bounds of SPEC 16.1: at most 1000 connections and 256 MiB unsent in all, at
 * most 64 MiB unsent per client; a client over a bound is closed with 1013 and reconnects with init.
 */
import type { WebSocket } from 'ws';
import { ApiError } from '../../shared/api/console-api.js';
import type { ConsoleService } from '../service/console-service.js';
import type { StopFeed } from '../service/feeds.js';

/** Bounds of the WebSocket clients together (SPEC 16.1). */
export interface StreamLimits {
  maxConnections: number;
  /** Unsent bytes of all clients together. */
  maxBufferedTotal: number;
  /** Unsent bytes of one client. */
  maxBufferedClient: number;
}

export const STREAM_LIMITS: StreamLimits = {
  maxConnections: 1000,
  maxBufferedTotal: 256 * 1024 * 1024,
  maxBufferedClient: 64 * 1024 * 1024,
};

/** Past this many unsent bytes on one client (or an eighth of the total bound), the total is looked at. */
const CHECK_TOTAL_FROM = 1024 * 1024;

const TOO_SLOW = 1013;

/** The WebSocket clients of one server, with the bounds on them. */
export class StreamClients {
  readonly #clients = new Set<WebSocket>();

  private readonly checkFrom: number;

  constructor(private readonly limits: StreamLimits = STREAM_LIMITS) {
    this.checkFrom = Math.min(CHECK_TOTAL_FROM, limits.maxBufferedTotal / 8);
  }

  get size(): number {
    return this.#clients.size;
  }

  /** Takes a new connection; false (and closed with 1013) when there are too many already. */
  admit(ws: WebSocket): boolean {
    if (this.#clients.size >= this.limits.maxConnections) {
      ws.close(TOO_SLOW, `over ${this.limits.maxConnections} live connections; try again later`);
      return false;
    }
    this.#clients.add(ws);
    ws.on('close', () => this.#clients.delete(ws));
    return true;
  }

  /** Whether `ws` holds too much unsent data (then it is closed by the caller's overflow). */
  tooSlow(ws: WebSocket): boolean {
    return ws.bufferedAmount > this.limits.maxBufferedClient;
  }

  /** Sends `data` to `ws`, then enforces the total bound by closing the client holding the most. */
  send(ws: WebSocket, data: string | Buffer): void {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(data);
    if (ws.bufferedAmount < this.checkFrom) return;
    if (this.tooSlow(ws)) {
      overflow(ws);
      return;
    }
    let total = 0;
    let biggest: WebSocket | null = null;
    for (const c of this.#clients) {
      total += c.bufferedAmount;
      if (biggest === null || c.bufferedAmount > biggest.bufferedAmount) biggest = c;
    }
    if (total > this.limits.maxBufferedTotal && biggest !== null) overflow(biggest);
  }

  closeAll(): void {
    for (const ws of this.#clients) ws.close(1001, 'server shutting down');
  }
}

/** Closes a client that fell behind: 1013, and its client reconnects with init (SPEC 16.1). */
function overflow(ws: WebSocket): void {
  if (ws.readyState === ws.OPEN) ws.close(TOO_SLOW, 'client too slow; reconnect with init');
}

/** What an upgrade asks for, before the handshake: resolved (404 for an unknown run, 400 for a bad offset). */
export type StreamOpener = (ws: WebSocket) => void;

/** The stream a WebSocket path names, or null for none; ApiError for an unknown run or a bad parameter. */
export function streamFor(service: ConsoleService, clients: StreamClients, url: URL): StreamOpener | null {
  const init = url.searchParams.has('init');
  const path = url.pathname;
  if (path === '/api/v1/summary') {
    const compact = url.searchParams.get('compact') ?? '0';
    if (!['0', '1', 'true', 'false'].includes(compact))
      throw new ApiError(400, 'compact must be 1 or 0 (true or false)');
    return (ws) => summary(service, clients, ws, init, compact === '1' || compact === 'true');
  }
  const runMatch = /^\/api\/v1\/runs\/([^/]+)\/updates$/.exec(path);
  const outMatch = /^\/api\/v1\/runs\/([^/]+)\/output\/([^/]+)\/updates$/.exec(path);
  const encoded = runMatch?.[1] ?? outMatch?.[1];
  if (encoded === undefined) return null;
  const runId = decodeURIComponent(encoded);
  service.findRun(runId); // 404 before the handshake
  if (runMatch !== null) return (ws) => run(service, clients, ws, runId, init);
  const outputId = decodeURIComponent(outMatch?.[2] ?? '');
  if (outputId !== 'output') throw new ApiError(404, `no output ${outputId}; the output id is 'output'`);
  const startText = url.searchParams.get('start') ?? '0';
  if (!/^\d{1,15}$/.test(startText)) throw new ApiError(400, 'start must be a byte offset');
  return (ws) => output(service, clients, ws, runId, Number(startText));
}

function follow(ws: WebSocket, stop: StopFeed): void {
  if (ws.readyState !== ws.OPEN) stop();
  else ws.on('close', stop);
}

/** The summary stream: each frame's JSON made once for every client (SummaryFrame.json). */
function summary(
  service: ConsoleService,
  clients: StreamClients,
  ws: WebSocket,
  init: boolean,
  compact: boolean,
): void {
  const stop = service.subscribeSummary((frame) => clients.send(ws, frame.json()), {
    init,
    compact,
    tooSlow: () => clients.tooSlow(ws),
    onOverflow: () => overflow(ws),
  });
  follow(ws, stop);
}

/** `{run, meta, run_log, outputs}` with init, then one message per committed change. */
function run(
  service: ConsoleService,
  clients: StreamClients,
  ws: WebSocket,
  runId: string,
  init: boolean,
): void {
  let first = true;
  const stop = service.subscribeRun(runId, (m) => {
    // The feed always starts with the init message; without ?init the client does not want it.
    if (first) {
      first = false;
      if (!init) return;
    }
    clients.send(ws, JSON.stringify(m));
  });
  follow(ws, stop);
}

/** One HTTP-like binary frame of output bytes (SPEC 16.3). */
function frame(contentType: string, start: number, data: Buffer, total: number): Buffer {
  const header =
    `Content-Type: ${contentType}\r\n` +
    `Content-Range: bytes=${start}-${start + data.length - 1}/${total}\r\n` +
    `Content-Length: ${data.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(header, 'latin1'), data]);
}

/** Output bytes from `start`: one frame for a finished run; for an unfinished one, frames as it grows, then close. */
function output(
  service: ConsoleService,
  clients: StreamClients,
  ws: WebSocket,
  runId: string,
  start: number,
): void {
  const stop = service.subscribeOutput(runId, start, (chunk) => {
    if (chunk === null) {
      if (ws.readyState === ws.OPEN) ws.close(1000);
      return;
    }
    clients.send(ws, frame(chunk.contentType, chunk.start, chunk.data, chunk.end));
  });
  follow(ws, stop);
}
