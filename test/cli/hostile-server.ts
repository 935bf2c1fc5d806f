/**
 * A hostile fake Apsis server on loopback for the CLI's trust-boundary tests (issue 15 item 8), and a runner of the
 * real `bin/apsis` against it that reports the CLI's peak memory.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { APSIS_BIN } from '../helpers/folders.js';

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** What the server does with a WebSocket upgrade of a path. */
export type UpgradeHandler =
  /** Takes the connection and never answers the upgrade. */
  | 'never'
  /** Completes the handshake by hand, then neither reads nor writes: no pong, no frame. */
  | 'silent'
  /** A real WebSocket (it answers pings), handed to the function. */
  | ((ws: WebSocket) => void);

export interface HostileServer {
  url: string;
  /** Handlers by path (without the query); any other path is a 404 `{error}`. */
  http: Map<string, HttpHandler>;
  upgrades: Map<string, UpgradeHandler>;
  /** Requests seen, as `METHOD path?query`. */
  seen: string[];
  close(): Promise<void>;
}

export async function hostileServer(): Promise<HostileServer> {
  const http = new Map<string, HttpHandler>();
  const upgrades = new Map<string, UpgradeHandler>();
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const wss = new WebSocketServer({ noServer: true });
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const handler = http.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (handler !== undefined) return handler(req, res);
    sendJson(res, 404, { error: `no such path ${req.url}` });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    seen.push(`UPGRADE ${req.url}`);
    const handler = upgrades.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (handler === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\n\r\n{"error":"no stream"}');
      return;
    }
    if (handler === 'never') return;
    if (handler === 'silent') {
      const accept = createHash('sha1')
        .update(`${req.headers['sec-websocket-key'] as string}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest('base64');
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      socket.pause();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => handler(ws));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    http,
    upgrades,
    seen,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

/** A handler answering `body` as it is with `type`. */
export const raw =
  (body: string | Buffer, type = 'application/json', status = 200): HttpHandler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  };

/** Streams `head`, then `size` bytes of `fill` chunk by chunk (never held whole), minding backpressure. */
export function streamed(head: string, fill: Buffer, size: number, type = 'application/json'): HttpHandler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': type });
    res.write(head);
    let sent = 0;
    const more = (): void => {
      while (sent < size && !res.destroyed) {
        const chunk = fill.subarray(0, Math.min(fill.length, size - sent));
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', more);
          return;
        }
      }
      if (!res.destroyed) res.end();
    };
    res.on('close', () => (sent = size));
    more();
  };
}

export interface CliResult {
  status: number | null;
  signal: string | null;
  /** The first 1 MiB of stdout. */
  stdout: Buffer;
  /** Bytes written to stdout in all, and their SHA-256. */
  stdoutBytes: number;
  stdoutSha256: string;
  stderr: string;
  /** Peak resident memory of the CLI process (bytes), reported by the process itself at exit. */
  maxRss: number;
  ms: number;
}

/** Writes `process.resourceUsage().maxRSS` (KiB) to fd 3 as the process exits. */
const REPORT_RSS = `data:text/javascript,${encodeURIComponent(
  'import { writeSync } from "node:fs"; process.on("exit", () => writeSync(3, String(process.resourceUsage().maxRSS)));',
)}`;

/**
 * Runs the real `bin/apsis ARGS` (killed after `timeoutMs`), keeping the first 1 MiB of its stdout and a hash of all
 * of it, with its peak memory.
 */
export function apsisCli(
  args: string[],
  { timeoutMs = 20_000, env = {} }: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const started = Date.now();
  const child = spawn(process.execPath, [`--import=${REPORT_RSS}`, APSIS_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, APSIS_URL: '', APSIS_TOKEN: '', ...env },
  });
  return collect(child, timeoutMs, started);
}

/** Runs `bin/apsis ARGS` with its stdout on a terminal (a pseudo-terminal made by util-linux `script`); no memory. */
export function apsisOnTerminal(args: string[], timeoutMs = 20_000): Promise<CliResult> {
  const started = Date.now();
  const quoted = [process.execPath, APSIS_BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', quoted, '/dev/null'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, APSIS_URL: '', APSIS_TOKEN: '' },
  });
  return collect(child, timeoutMs, started);
}

function collect(child: ReturnType<typeof spawn>, timeoutMs: number, started: number): Promise<CliResult> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let total = 0;
  const hash = createHash('sha256');
  let stderr = '';
  let rss = '';
  child.stdout?.on('data', (d: Buffer) => {
    total += d.length;
    hash.update(d);
    if (keptBytes < 1 << 20) {
      kept.push(d);
      keptBytes += d.length;
    }
  });
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  (child.stdio[3] as NodeJS.ReadableStream | null)?.on('data', (d: Buffer) => (rss += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({
        status,
        signal,
        stdout: Buffer.concat(kept).subarray(0, 1 << 20),
        stdoutBytes: total,
        stdoutSha256: hash.digest('hex'),
        stderr,
        maxRss: Number(rss) * 1024,
        ms: Date.now() - started,
      });
    });
  });
}
