/**
 * The stats sampler (SPEC 2, 17.1, 17.3): wakes at each multiple of `stats.interval` on the wall clock,
 * measures how late it woke (`async.latency`), stores one stats sample per interval, and prunes samples older
 * than `stats.retention` at least once an hour.
 */
import type { Stats } from '../../shared/stats/schema.js';
import type { Clock } from '../engine/clock.js';

/** How far ahead of now the next wake-up must be (SPEC 17.1: strictly later than now + 10 ms). */
const MIN_AHEAD_MS = 10;
/** Pruning runs at the first sample and then at least this often (SPEC 17.3). */
const PRUNE_EVERY_MS = 3_600_000;

/** Figures the sampler measures itself (SPEC 17.1 `async`); both absent until the first wake-up. */
export interface AsyncProbe {
  /** Seconds the last wake-up came after its target time. */
  latency?: number;
  /** Engine activities in flight, sampled before the last sleep. */
  num_tasks?: number;
}

/** Where samples go: the engine's store. */
export interface StatsSink {
  insertStats(time: number, stats: object): void;
  pruneStats(before: number): Promise<number>;
}

export interface SamplerOptions {
  clock: Clock;
  store: StatsSink;
  /** `stats.interval`, seconds (>= 1). */
  interval: number;
  /** `stats.retention`, seconds. */
  retention: number;
  /** Makes the stats object; it includes `probe` (engineStats reads it). */
  collect: () => Stats;
  /** Engine activities in flight other than the sampler's own loop. */
  numTasks: () => number;
}

/** One sampler per engine; `start()` once, `stop()` at shutdown before the store closes. */
export class StatsSampler {
  readonly probe: AsyncProbe = {};
  private readonly abort = new AbortController();
  private loop: Promise<void> = Promise.resolve();
  private pruning: Promise<void> | null = null;
  private lastPrune = -Infinity;

  constructor(private readonly options: SamplerOptions) {}

  /** Starts the wake-up loop. */
  start(): void {
    this.loop = this.run();
  }

  /** Ends the loop and waits for it and for a prune in progress. */
  async stop(): Promise<void> {
    this.abort.abort(new Error('stats sampler stopped'));
    await this.loop;
    await this.pruning;
  }

  /** The next wake-up: the first multiple of the interval strictly later than `now` + 10 ms. */
  static nextWake(now: number, intervalMs: number): number {
    return (Math.floor((now + MIN_AHEAD_MS) / intervalMs) + 1) * intervalMs;
  }

  /** Collects the stats object and stores it under its own `time` (SPEC 17.3); returns it. */
  sample(): Stats {
    const stats = this.options.collect();
    this.options.store.insertStats(Date.parse(stats.time) / 1000, stats);
    return stats;
  }

  private async run(): Promise<void> {
    const { clock } = this.options;
    const intervalMs = this.options.interval * 1000;
    while (!this.abort.signal.aborted) {
      const target = StatsSampler.nextWake(clock.now(), intervalMs);
      // The sampler's own loop is one of the activities in flight.
      this.probe.num_tasks = this.options.numTasks() + 1;
      try {
        await clock.sleepUntil(target, this.abort.signal);
      } catch {
        return;
      }
      const woke = clock.now();
      this.probe.latency = Math.max(0, woke - target) / 1000;
      try {
        this.sample();
      } catch (e) {
        // A busy or full disk must not end sampling; the next interval tries again.
        console.error(`apsis: stats sample failed: ${(e as Error).message}`);
      }
      if (woke - this.lastPrune >= PRUNE_EVERY_MS && this.pruning === null) {
        this.lastPrune = woke;
        this.pruning = this.prune(woke);
      }
    }
  }

  /** Deletes samples older than the retention, in batches that yield to the event loop (never blocks it). */
  private async prune(now: number): Promise<void> {
    try {
      await this.options.store.pruneStats(now / 1000 - this.options.retention);
    } catch (e) {
      console.error(`apsis: stats pruning failed: ${(e as Error).message}`);
    } finally {
      this.pruning = null;
    }
  }
}
