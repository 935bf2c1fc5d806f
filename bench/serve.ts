/**
 * Benchmarks through a real `apsis serve` (a child process on loopback, as a user starts it): `true` runs/s of one
 * `POST /api/v1/runs?count=N`, and the lateness of runs due in the first seconds after the server printed its URL.
 * BENCH_CPU_PROF=DIR runs the server under `node --cpu-prof` and leaves its profiles in DIR, with window.json: the
 * end-to-end burst's span on the monotonic clock, which `node dist/bench/cpu-top.js` uses to leave out start-up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { APSIS_BIN, jobFolder } from '../test/helpers/folders.js';

const FINAL = new Set(['success', 'failure', 'error', 'skipped']);

interface Summary {
  run_id: string;
  state: string;
  times: Record<string, string>;
}

export interface Serve {
  url: string;
  pid: number;
  /** Epoch ms at which the server's `listening on` line arrived. */
  listeningAt: number;
  post(path: string, body: unknown): Promise<{ status: number; body: unknown }>;
  get(path: string): Promise<unknown>;
  stop(): Promise<void>;
}

/** Starts `apsis serve` on a temp DB over a folder holding `files`; resolves once it prints its URL. */
export async function startServe(files: Record<string, string>): Promise<Serve> {
  const dir = mkdtempSync(join(tmpdir(), 'apsis-bench-serve-'));
  const jobs = jobFolder(files);
  const prof = process.env['BENCH_CPU_PROF'];
  const node = prof === undefined ? [] : ['--cpu-prof', '--cpu-prof-interval=250', `--cpu-prof-dir=${prof}`];
  const child: ChildProcess = spawn(
    process.execPath,
    [...node, APSIS_BIN, 'serve', jobs, '--db', join(dir, 'apsis.db'), '--port', '0'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanup = (): void => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(jobs, { recursive: true, force: true });
  };
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('apsis serve did not print its URL in 30 s')), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      resolve(m[1] as string);
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`apsis serve exited (${code}) before listening`)));
  }).catch((e: unknown) => {
    child.kill('SIGKILL');
    cleanup();
    throw e;
  });
  const listeningAt = Date.now();
  return {
    url,
    pid: child.pid as number,
    listeningAt,
    async post(path, body) {
      // As a script or the CLI posts: JSON content type, no Origin (a request naming another origin is refused).
      const r = await fetch(url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      });
      return { status: r.status, body: await r.json() };
    },
    async get(path) {
      const r = await fetch(url + path, { signal: AbortSignal.timeout(60_000) });
      if (!r.ok) throw new Error(`GET ${path}: ${r.status}`);
      return await r.json();
    },
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
      cleanup();
    },
  };
}

/**
 * Milliseconds every thread of process `pid` has spent on a CPU, and its main thread (the event loop) waiting for
 * one while runnable (the kernel's schedstat); zeros once it is gone.
 */
function schedMs(pid: number): { cpu: number; wait: number } {
  let cpu = 0;
  let wait = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const [on, queued] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      cpu += (on ?? 0) / 1e6;
      if (tid === String(pid)) wait += (queued ?? 0) / 1e6;
    }
  } catch {
    // Gone meanwhile: what was read so far.
  }
  return { cpu, wait };
}

/** The process's children (the launcher helper, its fork server), recursively, as far as /proc shows them. */
function descendants(pid: number): number[] {
  let children: number[];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
  return children.flatMap((c) => [c, ...descendants(c)]);
}

/** Follows the summary stream until every run in `ids` is final; resolves with their final summaries. */
function followToEnd(
  ws: WebSocket,
  ids: () => Set<string> | null,
  timeoutMs: number,
): Promise<Map<string, Summary>> {
  const finals = new Map<string, Summary>();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runs not finished in ${timeoutMs} ms`)), timeoutMs);
    const check = (): void => {
      const want = ids();
      if (want === null || finals.size < want.size) return;
      for (const id of want) if (!finals.has(id)) return;
      clearTimeout(timer);
      resolve(finals);
    };
    ws.on('message', (data: Buffer) => {
      for (const m of JSON.parse(data.toString()) as { type: string; run_summary?: Summary }[]) {
        const run = m.run_summary;
        if (m.type === 'run_transition' && run !== undefined && FINAL.has(run.state))
          finals.set(run.run_id, run);
      }
      check();
    });
    ws.on('error', reject);
    // Called once the POSTs have answered, so the set of IDs is known.
    (ws as WebSocket & { check?: () => void }).check = check;
  });
}

function openSummary(url: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/summary`);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function recheck(ws: WebSocket): void {
  (ws as WebSocket & { check?: () => void }).check?.();
}

/**
 * Runs/s of one `POST /api/v1/runs?count=N` of a `true` job: from sending the POST to the last run's final
 * transition (its time in the run's `times`, so the stream's half-second batching does not count).
 */
export async function endToEndRate(n: number): Promise<{
  rate: number;
  seconds: number;
  answerMs: number;
  states: Record<string, number>;
  /**
   * On-CPU ms of the server's threads, and of its launcher helper and fork server, during the burst; and how long the
   * server's event loop waited for a CPU meanwhile (runnable but not running: a busy machine).
   */
  cpu: { serve: number; helpers: number; serveWait: number };
}> {
  const serve = await startServe({ 'true.yaml': 'program: "true"\n' });
  try {
    // One warm-up run, so the figure is the engine's rate and not the first request's compilation.
    const ws = await openSummary(serve.url);
    let ids: Set<string> | null = null;
    const warm = followToEnd(ws, () => ids, 30_000);
    const first = await serve.post('/api/v1/runs', { job_id: 'true' });
    ids = new Set(Object.keys((first.body as { runs: object }).runs));
    recheck(ws);
    await warm;
    ws.close();

    const ws2 = await openSummary(serve.url);
    let ids2: Set<string> | null = null;
    const all = followToEnd(ws2, () => ids2, 120_000);
    const helpers = descendants(serve.pid);
    const helperCpu = (): number => helpers.reduce((sum, pid) => sum + schedMs(pid).cpu, 0);
    const serve0 = schedMs(serve.pid);
    const helpers0 = helperCpu();
    const t0 = Date.now();
    const mono0 = process.hrtime.bigint();
    const r = await serve.post(`/api/v1/runs?count=${n}`, { job_id: 'true' });
    const answerMs = Date.now() - t0;
    if (r.status !== 200) throw new Error(`POST answered ${r.status}: ${JSON.stringify(r.body)}`);
    ids2 = new Set(Object.keys((r.body as { runs: object }).runs));
    recheck(ws2);
    const finals = await all;
    const serve1 = schedMs(serve.pid);
    const cpu = {
      serve: serve1.cpu - serve0.cpu,
      helpers: helperCpu() - helpers0,
      serveWait: serve1.wait - serve0.wait,
    };
    ws2.close();
    const prof = process.env['BENCH_CPU_PROF'];
    // The burst's window on the monotonic clock (the profile's too), so cpu-top can leave out start-up.
    if (prof !== undefined)
      writeFileSync(
        join(prof, 'window.json'),
        JSON.stringify({ fromUs: Number(mono0 / 1000n), toUs: Number(process.hrtime.bigint() / 1000n) }),
      );
    const states: Record<string, number> = {};
    let end = 0;
    for (const run of finals.values()) {
      states[run.state] = (states[run.state] ?? 0) + 1;
      end = Math.max(end, Date.parse(run.times[run.state] as string));
    }
    const seconds = (end - t0) / 1000;
    return { rate: n / seconds, seconds, answerMs, states, cpu };
  } finally {
    await serve.stop();
  }
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

export interface Lateness {
  p50: number;
  p99: number;
  max: number;
  count: number;
}

function lateness(xs: number[]): Lateness {
  return { p50: percentile(xs, 50), p99: percentile(xs, 99), max: Math.max(...xs), count: xs.length };
}

/**
 * Cold start: `runs` runs due from 1 to 6 s after `apsis serve` printed its URL (each POSTed at once with its own
 * `times.schedule`), over `rounds` fresh servers; lateness schedule → process exec'd (`meta.program.start_time`).
 * Raw setTimeout lateness for the same due times, in this process, at the same instants.
 */
export async function coldStartLateness(
  runs: number,
  rounds: number,
): Promise<{ ours: Lateness; raw: Lateness; postMs: number }> {
  const ours: number[] = [];
  const raw: number[] = [];
  let postMs = 0;
  for (let round = 0; round < rounds; round += 1) {
    const serve = await startServe({ 'true.yaml': 'program: "true"\n' });
    try {
      const dues = Array.from(
        { length: runs },
        (_, i) => serve.listeningAt + 1000 + Math.round((i * 5000) / (runs - 1)),
      );
      const timers = Promise.all(
        dues.map(
          (due) =>
            new Promise<void>((resolve) =>
              setTimeout(() => {
                raw.push(Date.now() - due);
                resolve();
              }, due - Date.now()),
            ),
        ),
      );
      const t0 = performance.now();
      const created = await Promise.all(
        dues.map(async (due) => {
          const r = await serve.post('/api/v1/runs', {
            job_id: 'true',
            times: { schedule: new Date(due).toISOString() },
          });
          if (r.status !== 200) throw new Error(`POST answered ${r.status}: ${JSON.stringify(r.body)}`);
          return Object.keys((r.body as { runs: object }).runs)[0] as string;
        }),
      );
      postMs = Math.max(postMs, performance.now() - t0);
      await timers;
      // Every run is due by now; wait until each has started, bounded.
      for (const id of created) {
        for (let attempt = 0; ; attempt += 1) {
          const run = (await serve.get(`/api/v1/runs/${id}`)) as {
            runs: Record<
              string,
              { times: { schedule: string }; meta?: { program?: { start_time?: string } } }
            >;
          };
          const one = run.runs[id];
          const started = one?.meta?.program?.start_time;
          if (one !== undefined && started !== undefined) {
            ours.push(Date.parse(started) - Date.parse(one.times.schedule));
            break;
          }
          if (attempt > 100) throw new Error(`run ${id} did not start`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    } finally {
      await serve.stop();
    }
  }
  return { ours: lateness(ours), raw: lateness(raw), postMs };
}
