/** A clock for tests: time moves only when the test advances it; sleepers wake in time order. */
import type { Clock } from '../../main/engine/clock.js';

interface Sleeper {
  t: number;
  resolve: () => void;
}

export class FakeClock implements Clock {
  private sleepers: Sleeper[] = [];

  constructor(private time: number) {}

  now(): number {
    return this.time;
  }

  sleepUntil(t: number, signal?: AbortSignal): Promise<void> {
    if (t <= this.time) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason as Error);
      };
      // A woken sleeper lets go of the signal, so long-lived signals do not collect listeners.
      const sleeper: Sleeper = {
        t,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Moves time forward by `ms`, waking sleepers in time order and letting their continuations run. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      this.sleepers.sort((a, b) => a.t - b.t);
      const next = this.sleepers[0];
      if (next === undefined || next.t > end) break;
      this.sleepers.shift();
      this.time = Math.max(this.time, next.t);
      next.resolve();
      await settle();
    }
    this.time = end;
    await settle();
  }

  /**
   * Steps the wall clock to `t` at once, forward or back, as an NTP step or a resume from sleep does: every
   * sleeper due by then wakes seeing the new time (not the times in between).
   */
  async jump(t: number): Promise<void> {
    this.time = t;
    this.sleepers.sort((a, b) => a.t - b.t);
    const due = this.sleepers.filter((s) => s.t <= t);
    this.sleepers = this.sleepers.filter((s) => s.t > t);
    for (const s of due) s.resolve();
    await settle();
  }

  /** Sets the wall clock (jumps may go backwards, as real clocks do). */
  async set(t: number): Promise<void> {
    if (t >= this.time) return this.advance(t - this.time);
    this.time = t;
    await settle();
  }
}

/** Lets pending promise continuations and immediate callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}
