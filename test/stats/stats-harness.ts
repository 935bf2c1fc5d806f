/** An engine on a FakeClock (or the real one) plus its HTTP server, for the stats tests. */
import { APSIS_BIN } from '../helpers/folders.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../main/engine/clock.js';
import type { Settings } from '../../main/engine/settings.js';
import { ConsoleService } from '../../main/service/console-service.js';
import { startServer, type RunningServer } from '../../main/server/server.js';
import { openApp, type Harness } from '../engine/harness.js';

export interface StatsServer extends Harness {
  server: RunningServer;
  get(
    path: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; text: string; bytes: Buffer; headers: Headers; body: unknown }>;
  post(path: string, body: unknown): Promise<{ status: number; body: unknown }>;
}

/** Opens an App on `files` and serves it on an ephemeral loopback port. */
export async function openStatsServer(
  files: Record<string, string>,
  options: { clock?: Clock; settings?: (s: Settings) => void; token?: string } = {},
): Promise<StatsServer> {
  const h = openApp(files, {
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.settings === undefined ? {} : { settings: options.settings }),
  });
  const server = await startServer(new ConsoleService(h.app), {
    host: '127.0.0.1',
    port: 0,
    token: options.token ?? null,
    consoleDir: mkdtempSync(join(tmpdir(), 'apsis-console-')),
  });
  return {
    ...h,
    get app() {
      return h.app;
    },
    server,
    async get(path, headers = {}) {
      const r = await fetch(server.url + path, { headers, signal: AbortSignal.timeout(10_000) });
      const bytes = Buffer.from(await r.arrayBuffer());
      const text = bytes.toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: body stays the text
      }
      return { status: r.status, text, bytes, headers: r.headers, body };
    },
    async post(path, body) {
      const r = await fetch(server.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      return { status: r.status, body: await r.json() };
    },
    async close() {
      await server.close();
      await h.close();
    },
  };
}

/** Runs `bin/apsis ARGS` as a user does; stdout as bytes. */
export function apsis(...args: string[]): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync(process.execPath, [APSIS_BIN, ...args], { timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

/** The fields of SPEC 17.1 that are not optional, as dotted names. */
export const REQUIRED_FIELDS = [
  'version',
  'start_time',
  'time',
  'rusage_maxrss',
  'rusage_utime',
  'rusage_stime',
  'heap.used',
  'heap.total',
  'gc.count',
  'gc.elapsed',
  'gc.elapsed_max',
  'scheduled.num_entries',
  'scheduled.num_heap',
  'tasks.num_waiting',
  'tasks.num_running',
  'tasks.num_stopping',
  'tasks.num_action',
  'len_runlogdb_cache',
  'run_store.num_runs',
  'run_store.num_queues',
  'run_store.len_queues',
  'outputs.num_cached',
  'summary_publisher.num_subs',
  'summary_publisher.len_queues',
] as const;
