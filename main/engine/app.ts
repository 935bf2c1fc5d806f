/**
 * One engine on one job folder and its database: open, restore, schedule, reload, shut down (SPEC 10.3,
 * 12). Both `apsis serve` and the desktop app run exactly this.
 */
import { dirname, join, resolve } from 'node:path';
import type { ReloadResult } from '../../shared/api/console-api.js';
import type { Job } from '../jobs/job.js';
import { loadJobFolder } from '../jobs/load-folder.js';
import type { Env } from '../procs/base-env.js';
import { Launcher, type SpawnHelper } from '../procs/launcher.js';
import { RemoteHosts } from '../remote/hosts.js';
import { SqliteStore } from '../store/sqlite-store.js';
import type { Clock } from './clock.js';
import { Engine } from './engine.js';
import { parseAdHocJob } from './adhoc.js';
import { restoreRuns } from './restore.js';
import { retireLoop } from './retire.js';
import { startGcObservation } from '../stats/gc.js';
import { Scheduler } from './scheduler.js';
import type { Settings } from './settings.js';
import type { ProgramRuntime } from '../programs/runtime/types.js';
import { ARCHIVE_TYPE, STATS_TYPE, VACUUM_TYPE } from '../programs/spec.js';
import { statsRuntime } from '../programs/runtime/stats.js';
import { archiveRuntime, vacuumRuntime } from '../programs/runtime/internal.js';
import { engineStats } from '../stats/collect.js';
import { StatsSampler } from '../stats/sampler.js';

export interface AppOptions {
  jobDir: string;
  dbPath: string;
  settings: Settings;
  clock: Clock;
  runtimes?: Record<string, ProgramRuntime>;
  /** Starts the launcher helper (default: child_process.fork; the desktop app passes utilityProcess). */
  spawnHelper?: SpawnHelper;
  /**
   * The environment job processes start from, before APSIS_RUN_ID and APSIS_JOB_ID (SPEC 6.2; default: this
   * process's environment). The desktop app passes its own without Electron's and the AppImage's additions.
   */
  baseEnv?: Env;
  /** Where the engine reports trouble the operator must know about (default: stderr). */
  warn?: (line: string) => void;
}

/** The engine refused to start because the clock is older than schedule.max_age (SPEC 12.2). */
export class MaxAgeError extends Error {
  override readonly name = 'MaxAgeError';
}

export class App {
  /**
   * Live summary subscriptions of this engine (WebSocket and IPC) and the messages queued for them: kept here, per
   * engine, by the console service's feeds, for the stats object (SPEC 17.1 `summary_publisher`).
   */
  readonly summaryPublisher = { num_subs: 0, len_queues: 0 };

  private constructor(
    readonly engine: Engine,
    /** The engine's database; SQL lives behind its methods (main/store). */
    readonly store: SqliteStore,
    readonly scheduler: Scheduler,
    readonly launcher: Launcher,
    readonly startTime: number,
    private readonly loops: Promise<void>,
    readonly sampler: StatsSampler,
    private readonly stopRetire: AbortController,
    private readonly warn: (line: string) => void,
  ) {}

  /** Opens the database (created when missing), loads the jobs, restores runs and starts scheduling. */
  static open(options: AppOptions): App {
    const { clock, settings } = options;
    const now = clock.now();
    const jobDir = resolve(options.jobDir);
    const store = SqliteStore.open(options.dbPath, {
      timeoutSeconds: settings.database.timeout,
      now: now / 1000,
    });
    const warn = options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
    store.onFault = (failure, since) => {
      if (failure !== null) warn(`apsis: ${failure.message}`);
      else
        warn(
          `apsis: database writes succeed again after ${Math.round((Date.now() - since) / 1000)} s; every held change is written`,
        );
    };
    let launcher: Launcher | null = null;
    let remote: RemoteHosts | null = null;
    try {
      const clockAt = store.getClock() * 1000;
      if (
        settings.schedule.max_age !== null &&
        settings.schedule.since === null &&
        now - clockAt > settings.schedule.max_age * 1000
      ) {
        const gap = Math.round((now - clockAt) / 1000);
        throw new MaxAgeError(
          `the scheduler last ran ${gap} s ago (${new Date(clockAt).toISOString()}), more than schedule.max_age (${settings.schedule.max_age} s); ` +
            `start with -o schedule.since=now to skip the missed runs, or raise schedule.max_age to catch up`,
        );
      }
      launcher = new Launcher(options.spawnHelper);
      startGcObservation(); // GC figures count from the engine's start (SPEC 17.1)
      // Stats need the whole app; nothing collects them before open() returns (the runtime starts lazily).
      let app: App | null = null;
      const stats = () => {
        if (app === null) throw new Error('stats collected before the engine opened');
        return engineStats(app);
      };
      let engineRef: Engine | null = null;
      const hostOf = (): { engine: Engine; store: SqliteStore } => {
        if (engineRef === null) throw new Error('internal program started before the engine opened');
        return { engine: engineRef, store };
      };
      const dataDir = join(dirname(resolve(options.dbPath)), `${basename(options.dbPath)}.runs`);
      remote = new RemoteHosts({ clock, settings, stateDir: dataDir });
      const engine = new Engine({
        clock,
        store,
        launcher,
        remote,
        baseEnv: options.baseEnv ?? process.env,
        settings,
        jobDir,
        dataDir,
        runtimes: {
          [STATS_TYPE]: statsRuntime(stats),
          [ARCHIVE_TYPE]: archiveRuntime(hostOf),
          [VACUUM_TYPE]: vacuumRuntime(hostOf),
          ...options.runtimes,
        },
      });
      engineRef = engine;
      const loaded = loadJobFolder(jobDir, { now, calendarsDir: settings.calendars_dir });
      engine.applyLoad({
        set: [...loaded.jobs.values()],
        removed: [],
        failed: new Set(),
        problems: loaded.problems,
      });
      for (const { job_id, job } of store.allJobs()) {
        const parsed = parseAdHocJob(job_id, job, engine.jobs, now, settings.calendars_dir);
        if (parsed.ok) engine.restoreAdHocJob(parsed.job);
      }
      const since = settings.schedule.since;
      const from = since === 'now' ? now : Math.max(clockAt, since ?? -Infinity);
      const scheduler = new Scheduler(engine, from);
      remote.onSlotFreed = () => engine.waiter.slotsFreed();
      const leftActions = store.pendingActions();
      restoreRuns(engine);
      remote.start();
      const { done } = scheduler.start();
      engine.resumeActions(leftActions);
      const stopRetire = new AbortController();
      const loops = Promise.all([done, retireLoop(engine, stopRetire.signal)]).then(() => undefined);
      const sampler = new StatsSampler({
        clock,
        store,
        interval: settings.stats.interval,
        retention: settings.stats.retention,
        collect: stats,
        numTasks: () => engine.numTasks() + SCHEDULER_LOOPS,
      });
      app = new App(engine, store, scheduler, launcher, now, loops, sampler, stopRetire, warn);
      sampler.start();
      return app;
    } catch (e) {
      void launcher?.close();
      remote?.close();
      store.close();
      throw e;
    }
  }

  /**
   * Gets the launch machinery ready (the launcher helper, its fork server, one trivial process through them) so the
   * first runs after a start are as punctual as later ones; call it before serving (issue 18).
   */
  warm(): Promise<void> {
    return this.launcher.warm(this.engine.deps.dataDir);
  }

  /** Reads the job folder again and applies it per file (SPEC 10.3); with dryRun nothing changes. */
  reload(dryRun: boolean): ReloadResult {
    const engine = this.engine;
    const now = engine.clock.now();
    const loaded = loadJobFolder(engine.deps.jobDir, {
      now,
      calendarsDir: engine.deps.settings.calendars_dir,
    });
    const added: string[] = [];
    const changed: string[] = [];
    const removed: string[] = [];
    for (const [id, job] of loaded.jobs) {
      const old = engine.jobs.get(id);
      if (old === undefined) added.push(id);
      else if (old.definition !== job.definition) changed.push(id);
    }
    for (const id of engine.jobs.keys()) if (!loaded.jobs.has(id) && !loaded.failed.has(id)) removed.push(id);
    const result = {
      added: added.sort(),
      removed: removed.sort(),
      changed: changed.sort(),
      errors: loaded.problems,
      dry_run: dryRun,
    };
    if (dryRun) return result;

    // Runs due by now start under the definition they were created with; every occurrence before `startedUpTo`
    // has then been started, and changed jobs resume from there.
    const startedUpTo = this.scheduler.startDue();
    // Drop the schedule entries first: deleting an entry's runs would otherwise top its window up again.
    this.scheduler.dropJobs(new Set([...removed, ...changed]));
    for (const id of [...removed, ...changed]) {
      for (const run of [...engine.runs.ofJob(id)])
        if (run.expected && run.state === 'scheduled') engine.deleteExpected(run);
    }
    const jobsOf = (ids: string[]): Job[] =>
      ids.map((id) => loaded.jobs.get(id)).filter((j) => j !== undefined);
    // The clock is read before the jobs change: new jobs are generated from it (SPEC 10.3). It is written about once
    // a second, so it may lag runs already started: changed jobs resume after those, never running an occurrence
    // twice. It may also be a little ahead of now, past runs whose launch began ahead of time: a new job starts no
    // later than now.
    const clockAt = Math.min(engine.store.getClock() * 1000, now);
    engine.applyLoad({
      set: jobsOf([...added, ...changed]),
      removed,
      failed: loaded.failed,
      problems: loaded.problems,
    });
    this.scheduler.setJobs(jobsOf(added), clockAt);
    this.scheduler.setJobs(jobsOf(changed), startedUpTo);
    this.scheduler.expand();
    return result;
  }

  /**
   * Stops the loops, writes the clock, checkpoints and closes the database (SPEC 12.4). Runs in flight are not
   * touched: their processes keep running under their supervisors and are recovered at the next start.
   */
  async shutdown(): Promise<void> {
    this.scheduler.stop();
    this.stopRetire.abort(new Error('shutting down'));
    await this.sampler.stop();
    await this.loops;
    // A run whose launch began ahead of its time (at most LAUNCH_LEAD_MS) is `starting` only because it began early:
    // its process will exec, so it is recorded running and the next start follows it, instead of ending it in error.
    // A launch of a run already due is left as it is (SPEC 12.4: `starting` at shutdown ends in error, AC-16b).
    await this.launcher.aheadAnswered();
    await new Promise((r) => setImmediate(r));
    this.engine.close();
    this.engine.deps.remote?.close();
    this.scheduler.writeClock();
    await this.launcher.close();
    const store = this.store;
    store.checkpoint();
    const failure = store.writeFailure;
    if (failure !== null)
      this.warn(
        `apsis: shutting down with ${store.pendingWrites} changes not written: ${failure.message}. ` +
          'Runs in flight are recovered from their processes at the next start',
      );
    store.close();
  }
}

/** The engine's core loops (due timer, expansion, retirement), for `async.num_tasks`. */
const SCHEDULER_LOOPS = 3;

function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}
