/**
 * The headless server (SPEC 15, 18.3): the API, the live streams and the console's static files on one port.
 * Loopback without a token by default; any other address needs a token (STYLE.md section 3).
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { App } from '../engine/app.js';
import { fromRecord } from '../engine/run.js';
import { handleApi, type ApiContext } from './api.js';
import { handleStatsApi } from './stats-api.js';
import { HttpError, sendJson } from './http-util.js';
import { serveOutputUpdates, serveRunUpdates } from './run-streams.js';
import { bodyTypeRefusal, crossOriginRefusal, isApiPath, loopbackHosts } from './request-guard.js';
import { serveStatic } from './static.js';
import { serveSummary } from './summary-stream.js';

export interface ServerOptions {
  host: string;
  port: number;
  token: string | null;
  /** Folder of the built console (index.html and assets). */
  consoleDir: string;
  shutDown: () => void;
  stats: () => unknown;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** True for loopback host names and addresses. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

/** Compares tokens in constant time (hashes first, so lengths do not leak either). */
export function tokenMatches(given: string | null, token: string): boolean {
  if (given === null) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

function bearer(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  return h !== undefined && h.startsWith('Bearer ') ? h.slice(7) : null;
}

/** The `apsis_token` cookie; HttpError 400 when its percent-encoding is malformed. */
function cookieToken(req: IncomingMessage): string | null {
  const m = /(?:^|;\s*)apsis_token=([^;]*)/.exec(req.headers.cookie ?? '');
  if (m === null) return null;
  try {
    return decodeURIComponent(m[1] as string);
  } catch {
    throw new HttpError(
      400,
      'the apsis_token cookie is not valid percent-encoding; clear it and open ?token=TOKEN',
    );
  }
}

export async function startServer(app: App, options: ServerOptions): Promise<RunningServer> {
  const ctx: ApiContext = { app, shutDown: options.shutDown, stats: options.stats };
  let port = options.port;
  let ownHosts = loopbackHosts(port, options.host);

  /** Host check without a token (DNS-rebinding defence, SPEC 15.1). */
  const hostOk = (req: IncomingMessage): boolean =>
    options.token !== null || ownHosts.has((req.headers.host ?? '').toLowerCase());

  /** This server's own `host:port` texts for the Origin check: with a token, also the Host the client used. */
  const originHosts = (req: IncomingMessage): ReadonlySet<string> =>
    options.token === null ? ownHosts : new Set([...ownHosts, (req.headers.host ?? '').toLowerCase()]);

  const server: Server = createServer((req, res) => {
    answerWhenDurable(app, res);
    void handle(req, res).catch((e: unknown) => {
      if (e instanceof HttpError) {
        if (!res.headersSent) sendJson(res, e.status, { error: e.message });
        else res.end();
        return;
      }
      console.error('apsis: request failed:', e);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendJson(res, 400, { error: 'bad request URL' });
      return;
    }
    if (!hostOk(req)) {
      sendJson(res, 403, {
        error: `host ${req.headers.host ?? '(none)'} is not allowed; use http://127.0.0.1:${port}/`,
      });
      return;
    }
    // Before anything is read or changed: no web page of another origin may drive or read the server.
    const refusal =
      crossOriginRefusal(req.headers, req.method ?? 'GET', url.pathname, originHosts(req)) ??
      bodyTypeRefusal(req.headers);
    if (refusal !== null) {
      req.resume();
      sendJson(res, refusal.status, { error: refusal.message });
      return;
    }
    if (isApiPath(url.pathname)) {
      if (options.token !== null && !tokenMatches(bearer(req), options.token)) {
        sendJson(res, 401, { error: 'authentication required: send Authorization: Bearer TOKEN' });
        return;
      }
      if (await handleStatsApi(app, req, res, url)) return;
      if (!(await handleApi(ctx, req, res, url)))
        sendJson(res, 404, { error: `no such endpoint: ${url.pathname}` });
      return;
    }
    // Console pages: ?token=T on the page URL sets a cookie that admits the static assets (never /api/).
    if (options.token !== null) {
      const given = url.searchParams.get('token');
      if (given !== null && tokenMatches(given, options.token)) {
        res.setHeader(
          'set-cookie',
          `apsis_token=${encodeURIComponent(given)}; HttpOnly; SameSite=Strict; Path=/`,
        );
      } else if (!tokenMatches(cookieToken(req), options.token)) {
        sendJson(res, 401, { error: 'authentication required: open the console with ?token=TOKEN' });
        return;
      }
    }
    await serveStatic(options.consoleDir, url.pathname, req, res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const reject = (status: number, message: string): void => {
      socket.end(
        `HTTP/1.1 ${status} ${message}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ error: message })}`,
      );
    };
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      reject(400, 'bad request URL');
      return;
    }
    if (!hostOk(req)) return reject(403, 'host not allowed');
    // A WebSocket is not subject to CORS: the Origin check is the only thing that keeps other pages out.
    if (crossOriginRefusal(req.headers, 'GET', url.pathname, originHosts(req)) !== null)
      return reject(403, 'origin not allowed');
    if (options.token !== null && !tokenMatches(url.searchParams.get('token') ?? bearer(req), options.token))
      return reject(401, 'authentication required');
    let target: ((ws: WebSocket) => void) | null;
    try {
      target = streamFor(app, url);
    } catch (e) {
      if (e instanceof HttpError) return reject(e.status, e.message);
      throw e;
    }
    if (target === null) return reject(404, `no such stream: ${url.pathname}`);
    const open = target;
    wss.handleUpgrade(req, socket, head, (ws) => {
      // A client's protocol error (oversized or malformed frames) ends that connection, never the server.
      ws.on('error', () => ws.terminate());
      open(ws);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  ownHosts = loopbackHosts(port, options.host);
  const hostText = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostText}:${port}`,
    port,
    close: async () => {
      for (const ws of wss.clients) ws.close(1001, 'server shutting down');
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function streamFor(app: App, url: URL): ((ws: WebSocket) => void) | null {
  const init = url.searchParams.has('init');
  const path = url.pathname;
  if (path === '/api/v1/summary') return (ws) => serveSummary(app, ws, init);
  const runMatch = /^\/api\/v1\/runs\/([^/]+)\/updates$/.exec(path);
  const outMatch = /^\/api\/v1\/runs\/([^/]+)\/output\/([^/]+)\/updates$/.exec(path);
  const runId = runMatch?.[1] ?? outMatch?.[1];
  if (runId === undefined) return null;
  const run = app.engine.runs.get(runId) ?? fromStore(app, runId);
  if (run === null) throw new HttpError(404, `no run ${runId}`);
  if (runMatch !== null) return (ws) => serveRunUpdates(app, ws, run, init);
  if (outMatch?.[2] !== 'output') throw new HttpError(404, `no output ${outMatch?.[2] ?? ''}`);
  const startText = url.searchParams.get('start') ?? '0';
  if (!/^\d+$/.test(startText)) throw new HttpError(400, 'start must be a byte offset');
  return (ws) => serveOutputUpdates(app, ws, run, Number(startText));
}

function fromStore(app: App, runId: string): ReturnType<typeof fromRecord> | null {
  const rec = /^r\d+$/.test(runId) ? app.engine.store.getRun(runId) : undefined;
  return rec === undefined ? null : fromRecord(rec);
}

/**
 * Holds the end of a response until what the engine changed so far is committed, so no answer reports a run or a
 * state a crash could still lose (SPEC 13.3): writes commit at the end of the event-loop turn, which a request
 * handled in the same turn would otherwise beat. While the database cannot be written, answers go at once (and the
 * stats say so): reads stay possible during an outage.
 */
function answerWhenDurable(app: App, res: ServerResponse): void {
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    app.engine.store.whenDurable(() => end(...args));
    return res;
  }) as ServerResponse['end'];
}
