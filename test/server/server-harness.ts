/** An engine plus its HTTP server on an ephemeral loopback port, for API tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ConsoleService } from '../../main/service/console-service.js';
import { startServer, type RunningServer } from '../../main/server/server.js';
import type { StreamLimits } from '../../main/server/streams.js';
import { openApp, type Harness } from '../engine/harness.js';
import type { Settings } from '../../main/engine/settings.js';

export interface ServerHarness extends Harness {
  server: RunningServer;
  url: string;
  get(
    path: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: unknown; text: string; headers: Headers }>;
  post(
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: unknown }>;
  ws(path: string, headers?: Record<string, string>): WebSocket;
}

export async function openServer(
  files: Record<string, string>,
  options: {
    token?: string;
    settings?: (s: Settings) => void;
    warn?: (line: string) => void;
    /** The built console to serve (default: an empty folder). */
    consoleDir?: string;
    /** Bounds of the WebSocket clients (default: production's). */
    streamLimits?: StreamLimits;
  } = {},
): Promise<ServerHarness> {
  const h = openApp(files, {
    ...(options.settings === undefined ? {} : { settings: options.settings }),
    ...(options.warn === undefined ? {} : { warn: options.warn }),
  });
  const consoleDir = options.consoleDir ?? mkdtempSync(join(tmpdir(), 'apsis-console-'));
  const server = await startServer(new ConsoleService(h.app), {
    host: '127.0.0.1',
    port: 0,
    token: options.token ?? null,
    consoleDir,
    ...(options.streamLimits === undefined ? {} : { streamLimits: options.streamLimits }),
  });
  const parse = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };
  const sh: ServerHarness = {
    ...h,
    server,
    url: server.url,
    async get(path, headers = {}) {
      const r = await fetch(server.url + path, { headers, signal: AbortSignal.timeout(10_000) });
      const text = await r.text();
      return { status: r.status, body: parse(text), text, headers: r.headers };
    },
    async post(path, body, headers = {}) {
      const r = await fetch(server.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      return { status: r.status, body: parse(await r.text()) };
    },
    ws(path, headers = {}) {
      return new WebSocket(server.url.replace('http', 'ws') + path, { headers });
    },
    async close() {
      await server.close();
      await h.app.shutdown();
    },
  };
  return sh;
}

/** Collects the JSON messages of a WebSocket until `done` says so, or fails after `ms`. */
export function collect<T>(ws: WebSocket, done: (messages: T[]) => boolean, ms = 8000): Promise<T[]> {
  const messages: T[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out with ${JSON.stringify(messages).slice(0, 2000)}`)),
      ms,
    );
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      messages.push((isBinary ? data : JSON.parse(data.toString())) as T);
      if (done(messages)) {
        clearTimeout(timer);
        resolve(messages);
      }
    });
    ws.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
