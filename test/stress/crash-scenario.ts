/**
 * Crash stress (issue 9): kill -9 `apsis serve` at random moments while mixed runs (shell, no-op, conditions,
 * actions, an interval schedule) are in flight, start it again, and check what SPEC 11.2, 12.2, 12.3 and 13.3
 * promise: every run the API ever reported is still there, its state moved only along legal transitions, nothing
 * stays active without a process, nothing moved while the engine was down, and every interval occurrence ran
 * exactly once, those missed while down caught up at once.
 *
 * Shared by test/stress/crash.stress.ts (the full 20 × 500) and test/reliability/crash-stress.test.ts (a short run).
 * Violations are collected, not thrown, so one report shows them all; callers assert the list is empty. The seed is
 * in the report: the same seed gives the same plan (jobs, args, bursts, kill points, downtimes), though not the same
 * interleaving with the engine.
 * The jobs, constants and helpers are in crash-fixture.ts, the checks after the final shutdown in crash-checks.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { RunSummary } from '../../shared/model/run.js';
import { isFinished, isRunState, reachableFrom } from '../../shared/model/states.js';
import { APSIS_BIN, jobFolder } from '../helpers/folders.js';
import { finalChecks } from './crash-checks.js';
import {
  ACTIVE,
  DOWNTIME_MS,
  DRAIN_MS,
  HTTP_TIMEOUT_MS,
  INTERVAL_MS,
  JOBS,
  MARGIN_MS,
  MIX,
  POLL_MS,
  PROCESS_JOBS,
  SETTLE_MS,
  START_TIMEOUT_MS,
  alive,
  bounded,
  getJson,
  getRun,
  mulberry32,
  ms,
  programPid,
  sleep,
  type CrashReport,
  type Downtime,
  type Engine,
  type KillPlan,
  type Seen,
  type Summaries,
} from './crash-fixture.js';

export type { CatchUp, CrashReport } from './crash-fixture.js';

export interface CrashOptions {
  /** Kills (and restarts) of the engine. */
  rounds: number;
  /** Runs created through the API over the whole scenario (spread over the rounds and the final phase). */
  runs: number;
  /** PRNG seed; default: from the time. */
  seed?: number;
  /** Progress lines; default: none. */
  log?: (line: string) => void;
}

/** Runs the whole scenario; never throws for an engine inconsistency, only for a broken harness. */
export async function runCrashStress(options: CrashOptions): Promise<CrashReport> {
  const scenario = new Scenario(options);
  try {
    return await scenario.run();
  } finally {
    scenario.cleanUp();
  }
}

class Scenario {
  private readonly rng: () => number;
  private readonly log: (line: string) => void;
  private readonly dir = jobFolder(JOBS);
  private readonly dbDir = mkdtempSync(join(tmpdir(), 'apsis-crash-stress-'));
  private readonly db = join(this.dbDir, 'apsis.db');
  private readonly children = new Set<ChildProcess>();
  private readonly seen = new Map<string, Seen>();
  /** [kill, spawn of the next engine) for each restart. */
  private readonly downtimes: Downtime[] = [];
  private readonly report: CrashReport;
  private firstListen = 0;

  constructor(private readonly options: CrashOptions) {
    const seed = options.seed ?? Date.now() % 2 ** 31;
    this.rng = mulberry32(seed);
    this.log = options.log ?? (() => {});
    this.report = {
      seed,
      rounds: options.rounds,
      runsCreated: 0,
      postsCutOff: 0,
      runsChecked: 0,
      dbRuns: 0,
      apiRuns: 0,
      startMs: [],
      settleMs: [],
      catchUp: [],
      ticks: 0,
      maxTickLatenessMs: 0,
      finalStates: {},
      errorReasons: {},
      actionsLost: 0,
      wallMs: 0,
      violations: [],
    };
  }

  async run(): Promise<CrashReport> {
    const t0 = Date.now();
    const { rounds, runs } = this.options;
    this.log(`crash stress: seed ${this.report.seed}, ${rounds} kills, ${runs} runs; db ${this.db}`);
    let engine = await this.start();
    this.firstListen = engine.listeningAt;
    for (let round = 0; round < rounds; round++) {
      const quota = Math.round((runs - this.report.runsCreated) / (rounds + 1 - round));
      const killAt = await this.burst(engine, quota, this.killPlan(quota));
      this.checkDbWhileDown(`after kill ${round + 1}`);
      const down = DOWNTIME_MS[0] + this.rng() * (DOWNTIME_MS[1] - DOWNTIME_MS[0]);
      await sleep(Math.max(0, killAt + down - Date.now()));
      engine = await this.start();
      this.downtimes.push({ killAt, spawnedAt: engine.spawnedAt, listeningAt: engine.listeningAt });
      await this.afterRestart(engine, round + 1, killAt);
    }
    await this.burst(engine, runs - this.report.runsCreated, null);
    const last = await this.drain(engine);
    await this.shutDown(engine);
    finalChecks(
      {
        report: this.report,
        seen: this.seen,
        db: this.db,
        firstListen: this.firstListen,
        downtimes: this.downtimes,
        violation: (message) => this.violation(message),
      },
      last,
    );
    this.report.wallMs = Date.now() - t0;
    return this.report;
  }

  cleanUp(): void {
    for (const child of this.children) child.kill('SIGKILL');
    // Keep the files of a failed run for a look; they are in the report's first line.
    if (this.report.violations.length === 0) {
      rmSync(this.dir, { recursive: true, force: true });
      rmSync(this.dbDir, { recursive: true, force: true });
    } else this.log(`kept job folder ${this.dir} and database ${this.db}`);
  }

  private violation(message: string): void {
    this.report.violations.push(message);
    this.log(`VIOLATION ${message}`);
  }

  // ---- the engine process ------------------------------------------------------------------------------

  private start(): Promise<Engine> {
    const spawnedAt = Date.now();
    // A short horizon keeps the listings small (60 expected occurrences instead of the 1000 of max_ahead).
    const child = spawn(
      process.execPath,
      [APSIS_BIN, 'serve', this.dir, '--db', this.db, '--port', '0', '-o', 'schedule.horizon=120'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.children.add(child);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const exited = new Promise<void>((resolve) =>
      child.once('exit', () => {
        this.children.delete(child);
        resolve();
      }),
    );
    return new Promise((resolve, reject) => {
      let out = '';
      let done = false;
      const fail = (why: string): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`apsis serve ${why}; stderr: ${stderr}`));
      };
      const timer = setTimeout(
        () => fail(`printed no listening line in ${START_TIMEOUT_MS} ms`),
        START_TIMEOUT_MS,
      );
      void exited.then(() => fail(`exited (${child.exitCode ?? child.signalCode}) before listening`));
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (\S+)/.exec(out);
        if (m === null || done) return;
        done = true;
        clearTimeout(timer);
        const listeningAt = Date.now();
        this.report.startMs.push(listeningAt - spawnedAt);
        resolve({ child, url: m[1] as string, spawnedAt, listeningAt, exited });
      });
    });
  }

  private async kill9(engine: Engine): Promise<void> {
    engine.child.kill('SIGKILL');
    await bounded(engine.exited, 10_000, 'the engine did not die after SIGKILL');
  }

  private async shutDown(engine: Engine): Promise<void> {
    engine.child.kill('SIGTERM');
    try {
      await bounded(engine.exited, 20_000, 'no exit');
    } catch {
      this.violation('SIGTERM: the engine did not exit within 20 s (SPEC 12.4)');
      await this.kill9(engine);
    }
    if (engine.child.exitCode !== 0) this.violation(`SIGTERM: exit status ${engine.child.exitCode}, not 0`);
  }

  // ---- workload ----------------------------------------------------------------------------------------

  /**
   * When to kill: the moment the answer to the k-th POST arrives (other requests in flight), a few ms after sending
   * it, or some time after the last burst (runs in flight).
   */
  private killPlan(quota: number): KillPlan {
    const x = this.rng();
    const afterPosts = Math.floor(this.rng() * quota);
    if (x < 0.25) return { afterPosts, onAnswer: true };
    if (x < 0.45) return { afterPosts, onAnswer: false };
    return { afterMs: this.rng() * 2500 };
  }

  /** Creates `quota` runs in 1-3 bursts while polling the list; kills the engine per `plan`; returns the kill time. */
  private async burst(engine: Engine, quota: number, plan: KillPlan | null): Promise<number> {
    const posts = Array.from({ length: quota }, () => ({
      jobId: this.pickJob(),
      k: Math.floor(this.rng() * 10),
    }));
    const bursts = 1 + Math.floor(this.rng() * 3);
    const pauses = Array.from({ length: bursts }, () => 50 + this.rng() * 550);
    const jitter = this.rng() * 30;
    const killAfter = plan !== null && 'afterPosts' in plan ? plan.afterPosts : -1;
    const onAnswer = plan !== null && 'onAnswer' in plan && plan.onAnswer;
    const size = Math.max(1, Math.ceil(posts.length / bursts));
    let killAt = 0;
    const kill = (): void => {
      if (killAt !== 0) return;
      killAt = Date.now();
      engine.child.kill('SIGKILL');
    };
    const poller = this.poll(engine);
    try {
      for (let b = 0; b < bursts && killAt === 0; b++) {
        // Four requests at a time, so that a kill lands while some are in flight.
        for (let i = b * size; i < Math.min(posts.length, (b + 1) * size) && killAt === 0; i += 4) {
          const batch: Promise<void>[] = [];
          for (let j = i; j < Math.min(i + 4, (b + 1) * size, posts.length); j++) {
            const post = this.post(engine, posts[j] as { jobId: string; k: number });
            batch.push(j === killAfter && onAnswer ? post.then(kill) : post);
            if (j === killAfter && !onAnswer) {
              await sleep(jitter);
              kill();
              break;
            }
          }
          await Promise.all(batch);
        }
        if (killAt === 0 && b < bursts - 1) await sleep(pauses[b] ?? 0);
      }
      if (plan !== null && killAt === 0) {
        await sleep('afterMs' in plan ? plan.afterMs : 0);
        kill();
      }
      if (killAt !== 0) await bounded(engine.exited, 10_000, 'the engine did not die after SIGKILL');
    } finally {
      await poller.stop();
    }
    return killAt;
  }

  private pickJob(): string {
    const total = MIX.reduce((s, [, w]) => s + w, 0);
    let x = this.rng() * total;
    for (const [job, w] of MIX) if ((x -= w) < 0) return job;
    return 'sh';
  }

  private async post(engine: Engine, p: { jobId: string; k: number }): Promise<void> {
    const args = p.jobId === 'limited' ? {} : { k: String(p.k) };
    let res: Response;
    try {
      res = await fetch(`${engine.url}/api/v1/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ job_id: p.jobId, args }),
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
    } catch {
      this.report.postsCutOff += 1; // the engine died under the request
      return;
    }
    if (!res.ok) {
      this.violation(`POST ${p.jobId}: HTTP ${res.status} ${await res.text()}`);
      return;
    }
    let body: Summaries;
    try {
      body = (await res.json()) as Summaries;
    } catch {
      this.report.postsCutOff += 1;
      return;
    }
    this.report.runsCreated += 1;
    // Responses may arrive after a later poll: a creation only adds a run not seen yet.
    for (const run of Object.values(body.runs)) if (!this.seen.has(run.run_id)) this.observe(run, 'creation');
  }

  /** Lists runs every POLL_MS until stopped; after a kill the requests just fail. */
  private poll(engine: Engine): { stop: () => Promise<void> } {
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        try {
          await this.snapshot(engine, 'poll');
        } catch {
          // The engine was killed under the request.
        }
        await sleep(POLL_MS);
      }
    })();
    return {
      stop: async () => {
        stopped = true;
        await loop;
      },
    };
  }

  // ---- observations ------------------------------------------------------------------------------------

  private async snapshot(engine: Engine, where: string): Promise<Summaries> {
    const list = await getJson<Summaries>(`${engine.url}/api/v1/runs?summary=true`);
    for (const run of Object.values(list.runs)) this.observe(run, where);
    return list;
  }

  /** Records a run; a later observation must be reachable from the last one (SPEC 11.2). */
  private observe(run: RunSummary, where: string): void {
    // Expected runs live only in memory and get new IDs after a restart (SPEC 11.7): not tracked until they start.
    if (run.expected === true) return;
    const args = JSON.stringify(run.args);
    const prev = this.seen.get(run.run_id);
    if (prev === undefined || prev.lost === true) {
      // A lost run's number may be handed out again, to another run.
      if (prev !== undefined && (prev.jobId !== run.job_id || prev.args !== args))
        this.violation(
          `${where}: ${run.run_id}, reported as ${prev.jobId} ${prev.args}, reused for ${run.job_id} ${args}`,
        );
      this.seen.set(run.run_id, { jobId: run.job_id, args, state: run.state });
      return;
    }
    if (prev.jobId !== run.job_id || prev.args !== args)
      this.violation(`${where}: ${run.run_id} was ${prev.jobId} ${prev.args}, now ${run.job_id} ${args}`);
    if (!reachableFrom(prev.state).has(run.state))
      this.violation(`${where}: ${run.run_id} (${run.job_id}) went ${prev.state} → ${run.state} (SPEC 11.2)`);
    prev.state = run.state;
  }

  // ---- checks ------------------------------------------------------------------------------------------

  /** While the engine is down: the file is sound and holds every run the API reported. */
  private checkDbWhileDown(label: string): void {
    const db = new Database(this.db, { readonly: true, fileMustExist: true });
    try {
      const ok = db.pragma('integrity_check', { simple: true });
      if (ok !== 'ok') this.violation(`${label}: PRAGMA integrity_check says ${String(ok)}`);
      const ids = new Set(
        db
          .prepare<[], { run_id: string }>('SELECT run_id FROM runs')
          .all()
          .map((r) => r.run_id),
      );
      for (const [id, s] of this.seen)
        if (s.lost !== true && !ids.has(id)) {
          this.violation(
            `${label}: ${id} (${s.jobId} ${s.args}, last seen ${s.state}) is not in the database`,
          );
          s.lost = true;
        }
    } finally {
      db.close();
    }
  }

  private async afterRestart(engine: Engine, restart: number, killAt: number): Promise<void> {
    const label = `restart ${restart}`;
    const list = await this.snapshot(engine, label);
    for (const [id, s] of this.seen) {
      if (id in list.runs || s.lost === true) continue;
      const run = await getRun(engine.url, id);
      if (run === null) {
        this.violation(`${label}: ${id} (${s.jobId} ${s.args}, last seen ${s.state}) is lost`);
        s.lost = true;
      } else {
        this.violation(`${label}: ${id} (${s.jobId}) is missing from GET /runs though runs.lookback is null`);
        this.observe(run, label);
      }
    }
    // While the engine is down, nothing moves (SPEC 12.4): no state was entered between kill and spawn.
    for (const run of Object.values(list.runs))
      for (const [state, time] of Object.entries(run.times)) {
        const t = Date.parse(time);
        if (isRunState(state) && t > killAt + MARGIN_MS && t < engine.spawnedAt - MARGIN_MS)
          this.violation(`${label}: ${run.run_id} (${run.job_id}) entered ${state} at ${time}, while down`);
      }
    const settled = await this.settle(engine, label);
    this.report.settleMs.push(settled);
    const down = engine.spawnedAt - killAt;
    this.log(
      `${label}: ${this.report.runsCreated} runs created, ${this.seen.size} seen; down ${ms(down)}, ` +
        `start ${ms(engine.listeningAt - engine.spawnedAt)}, settled in ${ms(settled)}`,
    );
  }

  /**
   * Waits (bounded) until no run is starting, running or stopping without a process. Processes under their
   * supervisors may still run (SPEC 12.3) and finish later; in-engine runs must end within the bound.
   */
  private async settle(engine: Engine, label: string): Promise<number> {
    const start = Date.now();
    let pending: string[] = [];
    while (Date.now() - start < SETTLE_MS) {
      const list = await this.snapshot(engine, label);
      pending = [];
      for (const run of Object.values(list.runs)) {
        if (!ACTIVE.has(run.state)) continue;
        if (run.state !== 'starting' && PROCESS_JOBS.has(run.job_id)) {
          const full = await getRun(engine.url, run.run_id);
          const pid = programPid(full);
          if (pid !== null && alive(pid)) continue;
          pending.push(
            `${run.run_id} (${run.job_id}) ${full?.state ?? 'gone'}, process ${pid ?? '?'} not alive`,
          );
        } else pending.push(`${run.run_id} (${run.job_id}) ${run.state}`);
      }
      if (pending.length === 0) return Date.now() - start;
      await sleep(200);
    }
    for (const p of pending) this.violation(`${label}: ${p}, ${SETTLE_MS / 1000} s after the restart`);
    return Date.now() - start;
  }

  /** Waits (bounded) until every run is finished but the newest occurrences; returns the last listing. */
  private async drain(engine: Engine): Promise<{ list: Summaries; at: number }> {
    const start = Date.now();
    let list: Summaries = { when: '', runs: {} };
    let open: RunSummary[] = [];
    while (Date.now() - start < DRAIN_MS) {
      const at = Date.now();
      list = await this.snapshot(engine, 'drain');
      open = Object.values(list.runs).filter(
        (r) =>
          r.expected !== true &&
          !isFinished(r.state) &&
          !(r.job_id === 'tick' && Date.parse(r.times['schedule'] ?? '') > at - 3 * INTERVAL_MS),
      );
      if (open.length === 0) return { list, at };
      await sleep(POLL_MS);
    }
    for (const r of open)
      this.violation(`end: ${r.run_id} (${r.job_id}) still ${r.state} after ${DRAIN_MS / 1000} s`);
    return { list, at: Date.now() };
  }
}
