/**
 * Load scenario (issue 9; SPEC 16.1, 17.1, 20): `apsis serve` on a folder of interval jobs that start
 * `runsPerSecond` no-op runs per second by themselves, watched by `clients` summary streams, every other one
 * opened with a compact init (`?init&compact=1`). At the end every client's view must equal the server's memory and
 * the database; the engine's live heap (measured after a forced full collection) must not keep growing once
 * retirement holds the runs in memory steady; runs must start on time.
 *
 * Generation stops by deleting the job files and reloading (SPEC 10.3): the scheduled expected runs are deleted
 * (run_delete), runs in flight finish, and the streams stay open, so the views can be compared once all is quiet.
 * Shutting down instead would close the streams with up to 0.5 s of transitions still batched (SPEC 16.1).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SummaryClient, encode, type SummaryFields } from './load-client.js';
import {
  Inspector,
  MB,
  compareViews,
  figures,
  loadFolder,
  readDatabase,
  request,
  secondRanges,
  slope,
  startProbe,
  startServe,
  toSample,
  type Figures,
  type StatsJson,
  type StatsSample,
} from './load-fixture.js';

export type { Figures } from './load-fixture.js';

export interface LoadOptions {
  jobs: number;
  runsPerSecond: number;
  seconds: number;
  clients: number;
  /** Finished runs held in memory (`runs.max_in_memory`); default a sixth of the runs made, at most 20,000. */
  maxInMemory?: number;
  /** Seconds the last client stops reading, from 40 % of the run (SPEC 16.1 slow client); default 0, none. */
  pauseSeconds?: number;
  /** Seconds before memory counts as steady (runs in memory at max_in_memory, retirement running); default a third. */
  warmupSeconds?: number;
  log?: (s: string) => void;
}

/** The engine's memory right after a forced full collection, `t` seconds into the measured window. */
export interface LivePoint {
  t: number;
  heapMb: number;
  rssMb: number;
}

export interface LoadReport {
  options: Required<Omit<LoadOptions, 'log'>>;
  startupSeconds: number;
  /** From the clients' connecting to every init received; the measured window starts then. */
  initSeconds: number;
  /** The longest engine loop latency while the inits were sent, ms. */
  initLoopLatencyMs: number;
  /** Rows in the database at the end. */
  runsCreated: number;
  /** Runs started per second with a schedule time inside the measured window. */
  runsPerSecond: number;
  messagesPerClient: { min: number; max: number };
  framesPerClient: { min: number; max: number };
  mbPerClient: number;
  /** Differences between a client's view and the server's memory or the database; must be 0. */
  mismatches: number;
  /** Transitions seen out of order, twice, or skipped; must be 0. */
  anomalies: number;
  examples: string[];
  /** Unplanned reconnections of the clients that never paused. */
  reconnects: number;
  /** What happened to the client that stopped reading. */
  slowClient: string;
  memory: {
    live: LivePoint[];
    heapGrowthMb: number;
    heapSlopeMbPerMin: number;
    rssGrowthMb: number;
    /** Highest heap and resident size in the 1 s samples (garbage included), MB. */
    peakHeapMb: number;
    peakRssMb: number;
    /** Resident size and heap while the slow client was not reading, MB. */
    duringPause: { rssMaxMb: number; heapMaxMb: number } | null;
  };
  /** Schedule time → running, ms, runs scheduled inside the measured window (from the database). */
  lateness: Figures & { over100ms: number };
  /** When the runs over 100 ms late were due, seconds into the window, with counts. */
  lateSeconds: string;
  /** When the engine's 60 s expansion and retirement loops ran, seconds into the window. */
  engineMinutes: number[];
  /** The engine's own loop latency (`async.latency`, 1 s samples) in the measured window, ms. */
  loopLatency: Figures;
  /** Raw `setTimeout` lateness at the same rate in a bare Node process during the run, ms. */
  baseline: Figures;
  reloadMs: number;
  quietMs: number;
  /** `apsis serve`'s exit status after SIGTERM (null: still running after 30 s). */
  exitCode: number | null;
}

/**
 * Twice the 60 s expansion period. The default (1 d, with schedule.max_ahead 1000 per schedule) would hold
 * 10,000 × 1000 expected runs: tried, `apsis serve` ran out of heap (4 GB) after two minutes, never listening.
 */
const HORIZON_SECONDS = 120;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- the scenario ---------------------------------------------------------------------------------------------

/** Runs the scenario; every child process and socket is closed before it returns or throws. */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const log = options.log ?? (() => {});
  const opts: LoadReport['options'] = {
    jobs: options.jobs,
    runsPerSecond: options.runsPerSecond,
    seconds: options.seconds,
    clients: options.clients,
    maxInMemory:
      options.maxInMemory ??
      Math.max(100, Math.min(20_000, Math.round((options.runsPerSecond * options.seconds) / 6))),
    pauseSeconds: Math.min(options.pauseSeconds ?? 0, options.seconds * 0.5),
    warmupSeconds: options.warmupSeconds ?? options.seconds / 3,
  };
  const { dir, files } = loadFolder(opts.jobs, opts.runsPerSecond);
  const dbDir = mkdtempSync(join(tmpdir(), 'apsis-load-'));
  const db = join(dbDir, 'apsis.db');
  const clients: SummaryClient[] = [];
  let server: ChildProcess | null = null;
  let inspector: Inspector | null = null;
  let probe: ChildProcess | null = null;
  let poller: NodeJS.Timeout | null = null;
  try {
    const t0 = Date.now();
    const served = await startServe(dir, db, [
      `runs.max_in_memory=${opts.maxInMemory}`,
      `schedule.horizon=${HORIZON_SECONDS}`,
      'stats.interval=1',
    ]);
    server = served.child;
    const base = served.url;
    const listenAt = Date.now();
    const startupSeconds = (listenAt - t0) / 1000;
    inspector = await Inspector.open(served.inspector);
    log(`serving ${opts.jobs} jobs after ${startupSeconds.toFixed(1)} s at ${base}`);

    const connectAt = Date.now();
    const wsUrl = `${base.replace(/^http/, 'ws')}/api/v1/summary?init`;
    // Every other client asks for the compact init, as the console does; the last one (which pauses) among them.
    for (let i = 0; i < opts.clients; i += 1)
      clients.push(new SummaryClient(i % 2 === (opts.clients - 1) % 2 ? `${wsUrl}&compact=1` : wsUrl));
    await Promise.all(clients.map((c) => c.connect()));
    for (let i = 0; i < 1800 && !clients.every((c) => c.initDoneAt > 0); i += 1) await sleep(100);
    if (!clients.every((c) => c.initDoneAt > 0)) throw new Error('the inits did not arrive within 180 s');
    const begin = Date.now();
    const end = begin + opts.seconds * 1000;
    log(
      `${clients.length} inits received in ${((begin - connectAt) / 1000).toFixed(1)} s; generating for ${opts.seconds} s`,
    );
    const baselineProbe = startProbe(opts.runsPerSecond, opts.seconds);
    probe = baselineProbe.child;

    const polled: StatsSample[] = [];
    let lastLog = Date.now();
    const poll = async (): Promise<void> => {
      const s = await request<StatsJson>(`${base}/api/v1/stats`);
      polled.push(toSample(s));
      if (Date.now() - lastLog < 30_000) return;
      lastLog = Date.now();
      const msgs = clients.map((c) => c.messages);
      log(
        `t=${((Date.now() - begin) / 1000).toFixed(0)} s: runs in memory ${s.run_store.num_runs}, ` +
          `rss ${(toSample(s).rss / MB).toFixed(0)} MB, heap ${(s.heap.used / MB).toFixed(0)} MB, ` +
          `queued ${s.summary_publisher.len_queues}, messages/client ${Math.min(...msgs)}..${Math.max(...msgs)}`,
      );
    };
    poller = setInterval(
      () => void poll().catch((e: unknown) => log(`stats poll failed: ${String(e)}`)),
      2000,
    );

    // Live memory at the end of warm-up, then every minute (same phase of the 60 s expansion and retirement
    // loops), and just before generation stops.
    const live: LivePoint[] = [];
    const gcAt: number[] = [];
    // A forced full collection stops the engine's loop for as long as it takes: its own stall, not the engine's.
    // Runs due and loop samples from just before it to 2 s after are left out of the lateness figures.
    const gcWindows: { from: number; to: number }[] = [];
    const nearGc = (t: number): boolean => gcWindows.some((w) => t >= w.from - 100 && t <= w.to + 2000);
    const warm = begin + opts.warmupSeconds * 1000;
    if (warm < end - 3000) gcAt.push(warm);
    for (let t = warm + 60_000; t < end - 20_000; t += 60_000) gcAt.push(t);
    if (gcAt.length < 2) gcAt.push(end - 1000);
    const gi = inspector;
    const measuring = (async () => {
      for (const t of gcAt) {
        await sleep(Math.max(0, t - Date.now()));
        const from = Date.now();
        const m = await gi.live();
        gcWindows.push({ from, to: Date.now() });
        live.push({ t: (Date.now() - begin) / 1000, ...m });
        log(`live heap ${m.heapMb.toFixed(1)} MB, rss ${m.rssMb.toFixed(0)} MB after a full collection`);
      }
    })();

    const slow = opts.pauseSeconds > 0 ? clients[clients.length - 1] : undefined;
    let pauseWindow: { from: number; to: number } | null = null;
    if (slow !== undefined) {
      await sleep(Math.max(0, begin + opts.seconds * 400 - Date.now()));
      log(`the last client stops reading for ${opts.pauseSeconds} s`);
      pauseWindow = { from: Date.now(), to: Date.now() + opts.pauseSeconds * 1000 };
      slow.pause();
      await sleep(opts.pauseSeconds * 1000);
      slow.resume();
    }
    await measuring;
    await sleep(Math.max(0, end - Date.now()));
    clearInterval(poller);
    poller = null;

    // Stop generating: remove every job and reload.
    const stopAt = Date.now();
    for (const f of files) rmSync(join(dir, f));
    await request(`${base}/api/control/reload_jobs`, 'POST');
    const reloadMs = Date.now() - stopAt;
    log(`jobs removed and reloaded in ${reloadMs} ms; waiting until quiet`);

    // Quiet: nothing running, waiting or scheduled, nothing queued for the streams, no message for 1.2 s; and no
    // message arrived while the server's view was read (retirement may delete runs meanwhile: then again).
    let snapshot: Map<number, number> | null = null;
    for (let attempt = 0; attempt < 20 && snapshot === null; attempt += 1) {
      for (let i = 0; i < 240; i += 1) {
        const s = await request<StatsJson>(`${base}/api/v1/stats`);
        const busy =
          s.tasks.num_running +
          s.tasks.num_waiting +
          s.scheduled.num_entries +
          s.summary_publisher.len_queues;
        if (busy === 0 && clients.every((c) => Date.now() - c.lastMessageAt > 1200)) break;
        await sleep(250);
      }
      const before = clients.map((c) => c.messages);
      const runs = await request<{ runs: Record<string, SummaryFields> }>(`${base}/api/v1/runs?summary=true`);
      await sleep(1200);
      if (clients.every((c, i) => c.messages === before[i])) {
        snapshot = new Map();
        for (const s of Object.values(runs.runs)) snapshot.set(Number(s.run_id.slice(1)), encode(s));
      }
    }
    if (snapshot === null) throw new Error('the server never went quiet after generation stopped');
    const quietMs = Date.now() - stopAt - reloadMs;
    const history = await request<{ time: number; stats: StatsJson }[]>(`${base}/api/v1/stats/history`);

    // Shut down (SPEC 12.4, 18.3: SIGTERM), then compare each view with the server's memory and the database.
    // Not POST /api/control/shut_down: its answer never arrives (the connection is closed before it is sent).
    for (const c of clients) c.end();
    inspector.close();
    const child = server;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    const exitCode = await Promise.race([exited, sleep(30_000).then(() => null)]);
    const baseline = await Promise.race([baselineProbe.result, sleep(30_000).then(() => figures([]))]);
    const { runs: dbRuns, late, lateAt, started } = readDatabase(db, begin, stopAt, nearGc);
    const { mismatches, examples } = compareViews(clients, snapshot, dbRuns);
    const anomalies = clients.reduce((a, c) => a + c.anomalies, 0);
    for (const [i, c] of clients.entries())
      for (const e of c.anomalyExamples.slice(0, 3))
        if (examples.length < 12) examples.push(`client ${i}: ${e}`);

    const all = history.map((h) => toSample(h.stats));
    const samples = all.filter((s) => s.time >= begin && s.time < stopAt);
    const during =
      pauseWindow === null
        ? []
        : [...samples, ...polled].filter(
            (s) => s.time >= pauseWindow.from && s.time <= pauseWindow.to + 2000,
          );
    const first = live[0];
    const last = live[live.length - 1];
    const msgs = clients.map((c) => c.messages);
    const frames = clients.map((c) => c.frames);
    const latencyMs = (xs: StatsSample[]): number[] =>
      xs.flatMap((s) => (s.latency === undefined ? [] : [s.latency * 1000]));
    return {
      options: opts,
      startupSeconds,
      initSeconds: (begin - connectAt) / 1000,
      initLoopLatencyMs: Math.max(
        0,
        ...latencyMs(all.filter((s) => s.time >= connectAt && s.time < begin + 1000)),
      ),
      runsCreated: dbRuns.size,
      runsPerSecond: started / ((stopAt - begin) / 1000),
      messagesPerClient: { min: Math.min(...msgs), max: Math.max(...msgs) },
      framesPerClient: { min: Math.min(...frames), max: Math.max(...frames) },
      mbPerClient: clients.reduce((a, c) => a + c.bytes, 0) / clients.length / MB,
      mismatches,
      anomalies,
      examples,
      reconnects: clients.filter((c) => c !== slow).reduce((a, c) => a + c.reconnects, 0),
      slowClient: slow === undefined ? 'none' : slow.story(begin),
      memory: {
        live,
        heapGrowthMb: first === undefined || last === undefined ? 0 : last.heapMb - first.heapMb,
        heapSlopeMbPerMin: slope(live.map((p) => ({ x: p.t / 60, y: p.heapMb }))),
        rssGrowthMb: first === undefined || last === undefined ? 0 : last.rssMb - first.rssMb,
        peakHeapMb: Math.max(0, ...samples.map((s) => s.heap)) / MB,
        peakRssMb: Math.max(0, ...samples.map((s) => s.rss)) / MB,
        duringPause:
          during.length === 0
            ? null
            : {
                rssMaxMb: Math.max(...during.map((s) => s.rss)) / MB,
                heapMaxMb: Math.max(...during.map((s) => s.heap)) / MB,
              },
      },
      lateness: { ...figures(late), over100ms: lateAt.length },
      lateSeconds: secondRanges(lateAt),
      engineMinutes: Array.from({ length: 60 }, (_, i) =>
        Math.round((listenAt + (i + 1) * 60_000 - begin) / 1000),
      ).filter((t) => t >= 0 && t < (stopAt - begin) / 1000),
      loopLatency: figures(latencyMs(samples.filter((s) => !nearGc(s.time)))),
      baseline,
      reloadMs,
      quietMs,
      exitCode,
    };
  } finally {
    if (poller !== null) clearInterval(poller);
    for (const c of clients) c.end();
    inspector?.close();
    if (probe !== null && probe.exitCode === null) probe.kill('SIGKILL');
    if (server !== null && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((r) => server?.once('exit', r));
      server.kill('SIGKILL');
      await Promise.race([exited, sleep(5000)]);
    }
    rmSync(dir, { recursive: true, force: true });
    rmSync(dbDir, { recursive: true, force: true });
  }
}

const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : String(x));
const figs = (f: Figures): string =>
  `p50 ${f1(f.p50)} ms, p99 ${f1(f.p99)} ms, max ${f1(f.max)} ms (${f.count})`;

/** The report as text for the test log. */
export function formatLoadReport(r: LoadReport): string {
  const o = r.options;
  const m = r.memory;
  const lines = [
    `load: ${o.jobs} jobs, ${o.runsPerSecond} runs/s target, ${o.seconds} s, ${o.clients} summary clients, ` +
      `runs.max_in_memory ${o.maxInMemory}, one client paused ${o.pauseSeconds} s`,
    `startup ${f1(r.startupSeconds)} s; ${o.clients} inits in ${f1(r.initSeconds)} s, loop latency then up to ${f1(r.initLoopLatencyMs)} ms`,
    `runs created ${r.runsCreated}; achieved ${f1(r.runsPerSecond)} runs/s`,
    `messages/client ${r.messagesPerClient.min}..${r.messagesPerClient.max} in ${r.framesPerClient.min}..${r.framesPerClient.max} frames, ${f1(r.mbPerClient)} MB/client`,
    `mismatches ${r.mismatches}; transition anomalies ${r.anomalies}; reconnects (steady clients) ${r.reconnects}`,
    `slow client: ${r.slowClient}` +
      (m.duringPause === null
        ? ''
        : `; engine meanwhile: rss <= ${f1(m.duringPause.rssMaxMb)} MB, heap <= ${f1(m.duringPause.heapMaxMb)} MB`),
    `live memory (after full collections): ` +
      m.live.map((p) => `[${f1(p.t)} s: heap ${f1(p.heapMb)} MB, rss ${f1(p.rssMb)} MB]`).join(' '),
    `live heap growth ${f1(m.heapGrowthMb)} MB (slope ${f1(m.heapSlopeMbPerMin)} MB/min), rss growth ${f1(m.rssGrowthMb)} MB; ` +
      `peaks with garbage: heap ${f1(m.peakHeapMb)} MB, rss ${f1(m.peakRssMb)} MB`,
    `run-start lateness (schedule → running, runs due near the scenario's forced collections left out): ${figs(r.lateness)}, ${r.lateness.over100ms} runs over 100 ms`,
    `  due at (s into the window): ${r.lateSeconds || 'none'}; the engine's 60 s loops ran at ${r.engineMinutes.length === 0 ? 'none' : `${r.engineMinutes.join(', ')} s`}`,
    `engine loop latency (async.latency, samples near forced collections left out): ${figs(r.loopLatency)}`,
    `baseline setTimeout lateness (bare node, same rate): ${figs(r.baseline)}`,
    `stop: reload ${r.reloadMs} ms, quiet ${r.quietMs} ms later; exit status after SIGTERM ${String(r.exitCode)}`,
    ...r.examples.map((e) => `  ! ${e}`),
  ];
  return lines.join('\n');
}
