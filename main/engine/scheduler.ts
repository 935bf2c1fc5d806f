/**
 * The scheduler (SPEC 12.1, 12.2): expands job schedules into expected runs up to a horizon, holds every
 * scheduled run in a due queue, starts runs when due, and advances the persisted clock.
 */
import type { Job } from '../jobs/job.js';
import { runArgs } from '../plan.js';
import { isProcessProgram } from '../programs/bind.js';
import { occurrences, stopTime } from '../schedules/occurrences.js';
import type { Occurrence, ScheduleItem } from '../schedules/types.js';
import { DueQueue, type DueHandle } from './due-queue.js';
import type { Engine } from './engine.js';
import type { Run } from './run.js';

/** One enabled schedule of one job, with its place in its occurrence sequence. */
interface Entry {
  job: Job;
  item: ScheduleItem;
  iterator: Iterator<Occurrence>;
  next: Occurrence | null;
  done: boolean;
  /** Expected runs of this entry still scheduled (bounded by schedule.max_ahead). */
  outstanding: number;
  /** Dropped from the scheduler (job removed or replaced): its runs leaving no longer top it up. */
  dropped: boolean;
}

/**
 * How far ahead of its schedule time the scheduler takes a run from its queue (docs/decisions.md, "Launches begin
 * 50 ms ahead"). A run with nothing left to decide at its time (no conditions) and a process to start begins its
 * launch then: its supervisor and process are made ready meanwhile, and the process execs at the schedule time
 * itself, however busy the engine is at that instant. Any other run is written to the database (no longer only
 * expected) and held until its time.
 */
export const LAUNCH_LEAD_MS = 50;

/** Whether `run` may begin its launch ahead of its schedule time. */
function leadable(run: Run): boolean {
  return run.conds.length === 0 && isProcessProgram(run.program);
}

const CLOCK_WRITE_MS = 1000;
const EXPAND_EVERY_MS = 60_000;
/** Schedule entries expanded per event-loop turn by the periodic expansion. */
const EXPAND_SLICE = 250;

/** Runs due at their creation handed to the waiter per event-loop turn, at most. */
const ADMIT_SLICE = 64;

export class Scheduler {
  readonly queue = new DueQueue<Run>();
  /** Runs due at their creation beyond this turn's ADMIT_SLICE, in creation order. */
  private readonly admitQueue: Run[] = [];
  private admittedThisTurn = 0;
  /** Runs taken from the queue ahead of their time that cannot begin early: recorded, and started at their time. */
  private readonly held = new DueQueue<Run>();
  private readonly handles = new Map<string, DueHandle>();
  private readonly expectedOf = new Map<string, Entry>();
  private entries: Entry[] = [];
  private creating: Entry | null = null;
  private readonly abort = new AbortController();
  private lastClockWrite = 0;
  /** The timer loop's current sleep, cut short when an earlier run is queued. */
  private wake = new AbortController();
  private wakeAt = Infinity;
  /** Schedules have been expanded up to this instant (exclusive). */
  scheduledUpTo: number;
  /**
   * Every occurrence before this instant has been started or recorded to start (or was never to run): the clock to
   * persist, so that generating from the clock after a restart or reload runs no occurrence twice (SPEC 12.2).
   */
  private startedUpTo: number;

  constructor(
    private readonly engine: Engine,
    /** Where expansion starts: max(persisted clock, schedule.since) (SPEC 12.1). */
    from: number,
  ) {
    this.scheduledUpTo = from;
    this.startedUpTo = from;
    engine.onScheduled = (run, paced) => this.add(run, paced === true);
    engine.onUnscheduled = (run) => this.remove(run);
  }

  private get settings(): Engine['deps']['settings'] {
    return this.engine.deps.settings;
  }

  /** Expands every job's schedules, then runs the due timer and the periodic expansion until stopped. */
  start(): { done: Promise<void> } {
    this.setJobs([...this.engine.jobs.values()], this.scheduledUpTo);
    this.expand();
    const done = Promise.all([this.timerLoop(), this.expandLoop()]).then(() => undefined);
    return { done };
  }

  stop(): void {
    this.abort.abort(new Error('scheduler stopped'));
  }

  /** (Re)builds the schedule entries of `jobs`, generating from `from`. */
  setJobs(jobs: Job[], from: number): void {
    this.dropJobs(new Set(jobs.map((j) => j.jobId)));
    for (const job of jobs)
      for (const item of job.schedules) {
        if (!item.start.enabled) continue;
        this.entries.push({
          job,
          item,
          iterator: occurrences(item.start, from)[Symbol.iterator](),
          next: null,
          done: false,
          outstanding: 0,
          dropped: false,
        });
      }
  }

  /** Forgets the entries of these jobs (removed or about to be replaced), in one pass whatever their number. */
  dropJobs(jobIds: ReadonlySet<string>): void {
    if (jobIds.size === 0) return;
    this.entries = this.entries.filter((e) => {
      if (!jobIds.has(e.job.jobId)) return true;
      e.dropped = true;
      return false;
    });
  }

  /** Creates expected runs for occurrences before now + horizon. */
  expand(): void {
    const until = this.engine.clock.now() + this.settings.schedule.horizon * 1000;
    this.engine.atomic(() => {
      for (const entry of this.entries) this.fill(entry, until);
    });
    this.scheduledUpTo = Math.max(this.scheduledUpTo, until);
  }

  /** Expected runs one schedule may hold: max_ahead, less when schedule.max_expected shared out is smaller. */
  private windowSize(): number {
    const { max_ahead, max_expected } = this.settings.schedule;
    return Math.min(max_ahead, Math.max(1, Math.floor(max_expected / Math.max(1, this.entries.length))));
  }

  private fill(entry: Entry, until: number): void {
    const maxAhead = this.windowSize();
    while (entry.outstanding < maxAhead) {
      const occurrence = this.peek(entry);
      if (occurrence === null || occurrence.time >= until) return;
      entry.next = null;
      const { job, item } = entry;
      const args = runArgs(job.params, occurrence.args, occurrence.time);
      this.creating = entry;
      try {
        this.engine.createRun(job.jobId, args, {
          time: occurrence.time,
          expected: true,
          ...(item.stop === undefined ? {} : { stop: stopTime(item.stop, occurrence.time) }),
        });
      } finally {
        this.creating = null;
      }
    }
  }

  private peek(entry: Entry): Occurrence | null {
    if (entry.next !== null || entry.done) return entry.next;
    try {
      const r = entry.iterator.next();
      if (r.done === true) entry.done = true;
      else entry.next = r.value;
    } catch (e) {
      // A file calendar that ran out (SPEC 5.5): this schedule stops; other schedules go on.
      entry.done = true;
      const message = `schedule stopped: ${(e as Error).message}`;
      this.engine.addJobError({ path: entry.job.file ?? entry.job.jobId, line: null, col: null, message });
    }
    return entry.next;
  }

  /** A new scheduled run: started at once when due (SPEC 11.3 step 3), else queued until due. */
  private add(run: Run, paced: boolean): void {
    const time = run.times['schedule'] ?? this.engine.clock.now();
    if (run.expected && this.creating !== null) {
      this.expectedOf.set(run.runId, this.creating);
      this.creating.outstanding += 1;
    }
    if (time <= this.engine.clock.now()) {
      if (paced) this.admitPaced(run);
      else this.engine.waiter.admit(run);
      return;
    }
    this.handles.set(run.runId, this.queue.push(time, run));
    if (time - LAUNCH_LEAD_MS < this.wakeAt) this.wake.abort(new Error('earlier run'));
  }

  /**
   * Hands a due run of a many-run request to the waiter: at once, up to ADMIT_SLICE runs per event-loop turn; past
   * that, in the next turns, in order (a request creating a thousand runs never holds the loop while it launches them
   * all, SPEC 15.1). Such runs are recorded at creation: a restart meanwhile finds them `scheduled` and starts them.
   */
  private admitPaced(run: Run): void {
    if (this.admitQueue.length === 0 && this.admittedThisTurn < ADMIT_SLICE) {
      if (this.admittedThisTurn++ === 0) setImmediate(() => (this.admittedThisTurn = 0));
      this.engine.waiter.admit(run);
      return;
    }
    this.admitQueue.push(run);
    if (this.admitQueue.length === 1) setImmediate(() => this.drainAdmissions());
  }

  private drainAdmissions(): void {
    const slice = this.admitQueue.splice(0, ADMIT_SLICE);
    this.engine.atomic(() => {
      // A run skipped, started by hand or deleted meanwhile has left `scheduled`.
      for (const run of slice) if (run.state === 'scheduled') this.engine.waiter.admit(run);
    });
    if (this.admitQueue.length > 0) setImmediate(() => this.drainAdmissions());
  }

  private remove(run: Run): void {
    this.handles.get(run.runId)?.cancel();
    this.handles.delete(run.runId);
    const entry = this.expectedOf.get(run.runId);
    if (entry === undefined) return;
    this.expectedOf.delete(run.runId);
    entry.outstanding -= 1;
    // Top the window up as runs leave it (SPEC 12.1 max_ahead), within what has been expanded so far.
    // Inside fill() the loop itself goes on; topping up here would recurse once per run.
    if (this.creating === null && !entry.dropped) this.fill(entry, this.scheduledUpTo);
  }

  /**
   * Takes the queued runs due within LAUNCH_LEAD_MS: starts those due, begins the launch of those that may begin
   * ahead, records and holds the others until their time. Returns the instant before which every occurrence has been
   * started or recorded.
   */
  startDue(): number {
    const now = this.engine.clock.now();
    const taken = this.queue.popWhile((time) => time - LAUNCH_LEAD_MS <= now);
    const held = this.held.popDue(now);
    // Runs due at `now` itself have started too (and the wall clock may have stepped back: keep the maximum).
    this.startedUpTo = Math.max(this.startedUpTo, now + 1);
    // Taken in time order: every occurrence before the last one taken is started or recorded now.
    const last = taken.at(-1);
    if (last !== undefined)
      this.startedUpTo = Math.max(
        this.startedUpTo,
        Math.min(last.time + 1, this.queue.peekTime() ?? Infinity),
      );
    if (taken.length > 0 || held.length > 0)
      this.engine.atomic(() => {
        // Held runs were due before any run taken now: in time order, so conditions see runs in order (SPEC 8.4).
        for (const run of held) {
          this.handles.delete(run.runId);
          if (run.state === 'scheduled') this.engine.waiter.admit(run);
        }
        for (const { time, item: run } of taken) {
          this.handles.delete(run.runId);
          if (run.state !== 'scheduled') continue;
          if (time <= now) this.engine.waiter.admit(run);
          else if (leadable(run)) this.engine.waiter.admit(run, time);
          else {
            // Past the clock written below: were it only in memory, a crash would lose it.
            this.engine.materialize(run);
            this.handles.set(run.runId, this.held.push(time, run));
          }
        }
        // The clock moves past these runs in the same commit that records them started: after a crash they are
        // neither generated again nor lost (SPEC 12.2, 12.3).
        this.writeClock();
      });
    return this.startedUpTo;
  }

  /** Starts due runs; writes the clock about once a second, never past scheduledUpTo (SPEC 12.2). */
  private async timerLoop(): Promise<void> {
    const clock = this.engine.clock;
    while (!this.abort.signal.aborted) {
      this.startDue();
      const now = clock.now();
      if (now - this.lastClockWrite >= CLOCK_WRITE_MS) {
        this.writeClock();
        this.lastClockWrite = now;
      }
      const next = Math.min(
        (this.queue.peekTime() ?? Infinity) - LAUNCH_LEAD_MS,
        this.held.peekTime() ?? Infinity,
      );
      this.wakeAt = Math.min(next, now + CLOCK_WRITE_MS);
      this.wake = new AbortController();
      try {
        await clock.sleepUntil(this.wakeAt, AbortSignal.any([this.abort.signal, this.wake.signal]));
      } catch {
        if (this.abort.signal.aborted) return;
      }
    }
  }

  private async expandLoop(): Promise<void> {
    const clock = this.engine.clock;
    while (!this.abort.signal.aborted) {
      try {
        await clock.sleepUntil(clock.now() + EXPAND_EVERY_MS, this.abort.signal);
      } catch {
        return;
      }
      await this.expandPaced();
    }
  }

  /**
   * expand() a slice of entries per event-loop turn: the minute's expansion of thousands of jobs never holds the
   * loop at once (SPEC 20). Entries dropped meanwhile are skipped; ones added meanwhile were expanded by reload.
   */
  private async expandPaced(): Promise<void> {
    const until = this.engine.clock.now() + this.settings.schedule.horizon * 1000;
    const entries = this.entries;
    for (let i = 0; i < entries.length; i += EXPAND_SLICE) {
      if (this.abort.signal.aborted) return;
      this.engine.atomic(() => {
        for (const entry of entries.slice(i, i + EXPAND_SLICE)) if (!entry.dropped) this.fill(entry, until);
      });
      if (i + EXPAND_SLICE < entries.length) await new Promise((r) => setImmediate(r));
    }
    this.scheduledUpTo = Math.max(this.scheduledUpTo, until);
  }

  /** Persists the clock: where the next start resumes, never past scheduledUpTo (SPEC 12.2). */
  writeClock(): void {
    this.engine.store.setClock(Math.min(this.startedUpTo, this.scheduledUpTo) / 1000);
  }

  stats(): { num_entries: number; num_heap: number } {
    return {
      num_entries: this.queue.size + this.held.size,
      num_heap: this.queue.heapSize + this.held.heapSize,
    };
  }
}
