/**
 * The headless server (SPEC 15, 18.3): the API, the live streams and the console's static files on one port. It only
 * translates HTTP and WebSocket to the console service, the one gate into the engine. Every request first passes the
 * Host check, the cross-origin refusal and the token check (request-guard.ts); loopback without a token by default,
 * any other address needs a token (STYLE.md section 3).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { ApiError } from '../../shared/api/console-api.js';
import type { ConsoleService } from '../service/console-service.js';
import { errorAnswer } from '../service/errors.js';
import { writeChunks } from '../stats/streaming.js';
import { readJsonObject, sendJson } from './http-util.js';
import { sendOutput } from './output-http.js';
import { bodyTypeRefusal, crossOriginRefusal, isApiPath, loopbackHosts } from './request-guard.js';
import { ROUTES, type Reply, type Route } from './routes.js';
import { serveStatic } from './static.js';
import { StreamClients, streamFor, type StreamLimits } from './streams.js';

export interface ServerOptions {
  host: string;
  port: number;
  token: string | null;
  /** Folder of the built console (index.html and assets). */
  consoleDir: string;
  /** Bounds of the WebSocket clients (SPEC 16.1); defaults for production. */
  streamLimits?: StreamLimits;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
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

/** The `apsis_token` cookie; 400 when its percent-encoding is malformed. */
function cookieToken(req: IncomingMessage): string | null {
  const m = /(?:^|;\s*)apsis_token=([^;]*)/.exec(req.headers.cookie ?? '');
  if (m === null) return null;
  try {
    return decodeURIComponent(m[1] as string);
  } catch {
    throw new ApiError(
      400,
      'the apsis_token cookie is not valid percent-encoding; clear it and open ?token=TOKEN',
    );
  }
}

/** The route for a path and method: the route, 405 when the path exists with other methods, null for none. */
function routeFor(path: string, method: string): { route: Route; params: string[] } | 405 | null {
  let pathMatched = false;
  for (const route of ROUTES) {
    const m = route.path.exec(path);
    if (m === null) continue;
    pathMatched = true;
    if (!route.methods.includes(method)) continue;
    let params: string[];
    try {
      params = m.slice(1).map((p) => decodeURIComponent(p));
    } catch {
      throw new ApiError(400, `bad percent-encoding in ${path.slice(0, 200)}`);
    }
    return { route, params };
  }
  return pathMatched ? 405 : null;
}

export async function startServer(service: ConsoleService, options: ServerOptions): Promise<RunningServer> {
  let port = options.port;
  let ownHosts = loopbackHosts(port, options.host);
  const clients = new StreamClients(options.streamLimits);

  /** Host check without a token (DNS-rebinding defence, SPEC 15.1): the loopback names and the address bound. */
  const hostOk = (req: IncomingMessage): boolean =>
    options.token !== null || ownHosts.has((req.headers.host ?? '').toLowerCase());

  /** This server's own `host:port` texts for the Origin check: with a token, also the Host the client used. */
  const originHosts = (req: IncomingMessage): ReadonlySet<string> =>
    options.token === null ? ownHosts : new Set([...ownHosts, (req.headers.host ?? '').toLowerCase()]);

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => answerError(res, `${req.method ?? '?'} ${req.url ?? ''}`, e));
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
        error: `host ${(req.headers.host ?? '(none)').slice(0, 200)} is not allowed; use http://127.0.0.1:${port}/`,
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
      await api(req, res, url);
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

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const found = routeFor(url.pathname, method);
    if (found === null) {
      sendJson(res, 404, { error: `no such endpoint: ${url.pathname.slice(0, 200)}` });
      return;
    }
    if (found === 405) {
      sendJson(res, 405, {
        error: `method ${method.slice(0, 16)} not allowed on ${url.pathname.slice(0, 200)}`,
      });
      return;
    }
    const body = found.route.body === true ? await readJsonObject(req) : {};
    if (found.route.body !== true) req.resume();
    const reply = await found.route.call(service, { params: found.params, query: url.searchParams, body });
    // No answer reports what a crash could still lose: it waits for the commit of what the engine changed (SPEC 13.3).
    await service.settled();
    await send(req, res, reply);
  }

  async function send(req: IncomingMessage, res: ServerResponse, reply: Reply): Promise<void> {
    switch (reply.kind) {
      case 'json':
        sendJson(res, 200, reply.value);
        return;
      case 'text':
        res.writeHead(200, {
          'content-type': reply.contentType,
          'content-length': Buffer.byteLength(reply.text),
          'cache-control': 'no-store',
        });
        res.end(reply.text);
        return;
      case 'output':
        sendOutput(req, res, reply.output);
        return;
      case 'shut_down':
        // Closing the server drops every connection: shut down only once the answer is out.
        res.once('close', () => service.shutDown());
        sendJson(res, 200, {});
        return;
      case 'stream': {
        const chunks = reply.chunks[Symbol.asyncIterator]();
        // The first chunk before the head: a request refused by its parameters is a 400, not a cut stream.
        const first = await chunks.next();
        res.writeHead(200, {
          'content-type': reply.contentType,
          'cache-control': 'no-store',
          ...reply.headers,
        });
        if (first.done !== true) res.write(first.value);
        try {
          await writeChunks({ [Symbol.asyncIterator]: () => chunks }, res);
          res.end();
        } catch (e) {
          // Mid-stream (the database closed by a shutdown): cut the response so it cannot pass for complete.
          console.error(`apsis: ${req.url ?? ''} failed: ${(e as Error).message}`);
          res.destroy();
        }
        return;
      }
    }
  }

  function answerError(res: ServerResponse, request: string, e: unknown): void {
    const answer = errorAnswer(request, e);
    if (!answer.expected) console.error(`apsis: ${request} failed:`, e);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendJson(res, answer.status, {
      error: answer.message,
      ...(answer.problems === undefined ? {} : { problems: answer.problems }),
    });
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const reject = (status: number, message: string): void => {
      const body = JSON.stringify({ error: message });
      socket.end(
        `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Error'}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    };
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      reject(400, 'bad request URL');
      return;
    }
    if (!hostOk(req)) return reject(403, 'host not allowed');
    // A WebSocket is not subject to CORS: the Origin check is what keeps other pages out.
    if (crossOriginRefusal(req.headers, 'GET', url.pathname, originHosts(req)) !== null)
      return reject(403, 'origin not allowed');
    if (options.token !== null && !tokenMatches(url.searchParams.get('token') ?? bearer(req), options.token))
      return reject(401, 'authentication required');
    let open: ReturnType<typeof streamFor>;
    try {
      open = streamFor(service, clients, url);
    } catch (e) {
      const answer = errorAnswer(`WS ${url.pathname}`, e);
      if (!answer.expected) console.error(`apsis: WS ${url.pathname} failed:`, e);
      return reject(answer.status === 404 ? 404 : answer.status, answer.message);
    }
    if (open === null) return reject(404, `no such stream: ${url.pathname.slice(0, 200)}`);
    const opener = open;
    wss.handleUpgrade(req, socket, head, (ws) => {
      // A client's protocol error (oversized or malformed frames) ends that connection, never the server.
      ws.on('error', () => ws.terminate());
      if (!clients.admit(ws)) return;
      try {
        opener(ws);
      } catch (e) {
        const answer = errorAnswer(`WS ${url.pathname}`, e);
        ws.close(answer.status === 404 ? 4404 : 1011, answer.message.slice(0, 120));
      }
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
      clients.closeAll();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
