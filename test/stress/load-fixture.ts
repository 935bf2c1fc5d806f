/**
 * The fixture of the load scenario (load-scenario.ts): the job folder, the engine process and its inspector, the
 * baseline probe, the stats and lateness figures, and the end-of-scenario reading of the database and comparison
 * with the clients' views (load-client.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import Database from 'better-sqlite3';
import { WebSocket } from 'ws';
import { APSIS_BIN, jobFolder } from '../helpers/folders.js';
import { encode, fingerprintOf, isFinishedValue, text, type SummaryClient } from './load-client.js';

export interface Figures {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export const MB = 1024 * 1024;

// ---- the engine process ---------------------------------------------------------------------------------------

/** N interval jobs whose phases spread their runs evenly: N / interval runs per second. */
export function loadFolder(jobs: number, rate: number): { dir: string; files: string[] } {
  const intervalMs = Math.round((jobs * 1000) / rate);
  const files: Record<string, string> = {};
  for (let i = 0; i < jobs; i += 1) {
    const phase = Math.floor((i * intervalMs) / jobs) / 1000;
    // 5 % last 1.5 s, so runs overlap; 2 % fail.
    const program =
      i % 20 === 10
        ? '{type: no-op, duration: 1.5}'
        : i % 50 === 7
          ? '{type: no-op, success: false}'
          : '{type: no-op}';
    files[`load/j${String(i).padStart(5, '0')}.yaml`] =
      `params: [time]\nschedule: {type: interval, interval: ${intervalMs / 1000}, phase: ${phase}}\nprogram: ${program}\n`;
  }
  return { dir: jobFolder(files), files: Object.keys(files) };
}

export interface Served {
  child: ChildProcess;
  url: string;
  inspector: string;
}

/**
 * `apsis serve` with the inspector on a loopback port: the scenario asks it for full collections, so the heap it
 * compares is what the engine holds, not garbage V8 has not yet collected.
 */
export function startServe(dir: string, db: string, overrides: string[]): Promise<Served> {
  const args = ['--inspect=127.0.0.1:0', APSIS_BIN, 'serve', dir, '--db', db, '--port', '0'];
  const child = spawn(process.execPath, [...args, ...overrides.flatMap((o) => ['-o', o])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let inspector: string | null = null;
    const timer = setTimeout(
      () => reject(new Error(`apsis serve: not listening after 180 s: ${out}`)),
      180_000,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`apsis serve exited with ${String(code)}: ${out}`));
    });
    child.stderr?.on('data', (d: Buffer) => {
      const text = d.toString();
      inspector ??= /Debugger listening on (ws:\/\/\S+)/.exec(text)?.[1] ?? null;
      if (!/Debugger listening|For help, see|Debugger attached|Waiting for the debugger/.test(text))
        process.stderr.write(text);
    });
    child.stdout?.on('data', (d: Buffer) => {
      if (out.length < 10_000) out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m !== null && inspector !== null) {
        clearTimeout(timer);
        resolve({ child, url: m[1] as string, inspector });
      }
    });
  });
}

/** A DevTools protocol session with the engine process, for forced collections. */
export class Inspector {
  private nextId = 0;
  private readonly pending = new Map<number, (result: unknown) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => {
      const m = JSON.parse(text(data)) as { id?: number; result?: unknown };
      if (m.id !== undefined) this.pending.get(m.id)?.(m.result);
      if (m.id !== undefined) this.pending.delete(m.id);
    });
    ws.on('error', () => {});
  }

  static open(url: string): Promise<Inspector> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Inspector(ws)));
      ws.once('error', reject);
    });
  }

  private call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = (this.nextId += 1);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector: no answer to ${method} in 60 s`)), 60_000);
      this.pending.set(id, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Heap used and resident size right after a full collection, MB. */
  async live(): Promise<{ heapMb: number; rssMb: number }> {
    await this.call('HeapProfiler.collectGarbage');
    const r = (await this.call('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    })) as { result?: { value?: string } };
    const usage = JSON.parse(r.result?.value ?? '{}') as { heapUsed?: number; rss?: number };
    return { heapMb: (usage.heapUsed ?? NaN) / MB, rssMb: (usage.rss ?? NaN) / MB };
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Raw setTimeout lateness at `rate` per second for `seconds`, in a bare Node process (the SPEC 20 baseline). */
const PROBE = `
const rate = Number(process.argv[1]), total = Math.max(1, Math.round(rate * Number(process.argv[2])));
const step = 1000 / rate, start = Date.now() + 500, late = [];
let i = 0;
const done = () => {
  late.sort((a, b) => a - b);
  const p = (q) => late[Math.min(late.length - 1, Math.floor(q * late.length))];
  process.stdout.write(JSON.stringify({ count: late.length, p50: p(0.5), p99: p(0.99), max: late[late.length - 1] }));
};
const plan = () => {
  for (const until = Date.now() + 1500; i < total && start + i * step < until; i += 1) {
    const due = start + i * step;
    setTimeout(() => { late.push(Date.now() - due); if (late.length === total) done(); }, due - Date.now());
  }
  if (i < total) setTimeout(plan, 500);
};
plan();`;

export function startProbe(rate: number, seconds: number): { child: ChildProcess; result: Promise<Figures> } {
  const child = spawn(process.execPath, ['-e', PROBE, String(rate), String(seconds)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  const result = new Promise<Figures>((resolve) =>
    child.once('exit', () => {
      try {
        resolve(JSON.parse(out) as Figures);
      } catch {
        resolve(figures([]));
      }
    }),
  );
  return { child, result };
}

export function figures(xs: number[]): Figures {
  const s = Float64Array.from(xs).sort();
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { count: s.length, p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? NaN };
}

export interface StatsJson {
  time: string;
  statm_resident?: number;
  rusage_maxrss: number;
  heap: { used: number };
  async: { latency?: number };
  tasks: { num_waiting: number; num_running: number };
  scheduled: { num_entries: number };
  run_store: { num_runs: number };
  summary_publisher: { num_subs: number; len_queues: number };
}

export interface StatsSample {
  time: number;
  rss: number;
  heap: number;
  latency: number | undefined;
}

export const toSample = (s: StatsJson): StatsSample => ({
  time: Date.parse(s.time),
  rss: s.statm_resident ?? s.rusage_maxrss,
  heap: s.heap.used,
  latency: s.async.latency,
});

/**
 * A request on a fresh connection: a pooled keep-alive connection may be closed by the server (after its 5 s idle
 * timeout) just as a request goes out on it, and a failed POST is not retried.
 */
export function request<T>(url: string, method: 'GET' | 'POST' = 'GET'): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, agent: false, timeout: 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) reject(new Error(`${method} ${url}: ${res.statusCode} ${body}`));
        else resolve(JSON.parse(body) as T);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer in 60 s`)));
    req.on('error', reject);
    req.end();
  });
}

/** Whole seconds as ranges with counts: `39-41 s (412)`. */
export function secondRanges(at: number[]): string {
  const counts = new Map<number, number>();
  for (const t of at) counts.set(Math.floor(t), (counts.get(Math.floor(t)) ?? 0) + 1);
  const out: string[] = [];
  let from = NaN;
  let to = NaN;
  let n = 0;
  const flush = (): void => {
    if (n > 0) out.push(`${from === to ? from : `${from}-${to}`} s (${n})`);
  };
  for (const s of [...counts.keys()].sort((a, b) => a - b)) {
    if (s !== to + 1) {
      flush();
      from = s;
      n = 0;
    }
    to = s;
    n += counts.get(s) ?? 0;
  }
  flush();
  return out.join(', ');
}

export function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const num = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/** Every run in the database as the views encode it, and the lateness of those scheduled in [from, to). */
export function readDatabase(
  db: string,
  from: number,
  to: number,
  /** Schedule times left out of the lateness figures (the scenario's own forced collections). */
  skip: (time: number) => boolean = () => false,
): { runs: Map<number, number>; late: number[]; lateAt: number[]; started: number } {
  const runs = new Map<number, number>();
  /** Runs scheduled in [from, to) that started, near a forced collection or not. */
  let started = 0;
  const late: number[] = [];
  /** Seconds into [from, to) of the runs that started over 100 ms late. */
  const lateAt: number[] = [];
  const sqlite = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const rows = sqlite
      .prepare('SELECT run_id, job_id, args, state, times, meta FROM runs')
      .iterate() as Iterable<{
      run_id: string;
      job_id: string;
      args: string;
      state: string;
      times: string;
      meta: string;
    }>;
    for (const row of rows) {
      const times = JSON.parse(row.times) as Record<string, string>;
      const meta = JSON.parse(row.meta) as { job?: { labels?: string[] } };
      const args = JSON.parse(row.args) as Record<string, string>;
      const labels = meta.job?.labels ?? [];
      runs.set(Number(row.run_id.slice(1)), encode({ ...row, args, times, labels }));
      const schedule = Date.parse(times['schedule'] ?? '');
      const running = Date.parse(times['running'] ?? '');
      if (schedule >= from && schedule < to && !Number.isNaN(running)) started += 1;
      if (schedule >= from && schedule < to && !Number.isNaN(running) && !skip(schedule)) {
        late.push(running - schedule);
        if (running - schedule > 100) lateAt.push((schedule - from) / 1000);
      }
    }
  } finally {
    sqlite.close();
  }
  return { runs, late, lateAt, started };
}

/** Differences between each view and the server's memory (`snapshot`) and the database. */
export function compareViews(
  clients: SummaryClient[],
  snapshot: Map<number, number>,
  dbRuns: Map<number, number>,
): { mismatches: number; examples: string[] } {
  let mismatches = 0;
  const examples: string[] = [];
  const note = (message: string): void => {
    mismatches += 1;
    if (examples.length < 12) examples.push(message);
  };
  clients.forEach((c, i) => {
    for (const [n, v] of snapshot)
      if (c.runs.get(n) !== v) note(`client ${i}: r${n} differs from the server's`);
    for (const n of c.runs.keys())
      if (!snapshot.has(n)) note(`client ${i}: r${n} is not in the server's memory`);
    for (const [n, v] of c.runs)
      if (dbRuns.get(n) !== v) note(`client ${i}: r${n} differs from the database`);
    let retired = 0;
    let digest = 0;
    for (const [n, v] of dbRuns) {
      if (c.runs.has(n)) continue;
      if (!isFinishedValue(v)) note(`client ${i}: r${n} is unfinished in the database but not in the view`);
      retired += 1;
      digest += fingerprintOf(v);
    }
    // A view started again from init never heard of the runs retired before; the others saw every one retire,
    // in its final state.
    if (c.reconnects === 0 && (retired !== c.retiredCount || digest !== c.retiredDigest))
      note(
        `client ${i}: ${retired} runs retired in the database, ${c.retiredCount} deleted from the view, or their states differ`,
      );
  });
  return { mismatches, examples };
}
