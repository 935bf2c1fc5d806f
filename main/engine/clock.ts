/** Time is injected (STYLE.md section 2): nothing else in main/ reads the wall clock or sets timers for scheduling. */

export interface Clock {
  /** Wall-clock time, epoch ms. */
  now(): number;
  /** Resolves at wall-clock time `t` (at once when past); rejects with the signal's reason when aborted. */
  sleepUntil(t: number, signal?: AbortSignal): Promise<void>;
}

/** Longest single timer: wall-clock jumps (NTP, sleep) are noticed at least this often. */
const MAX_TIMER_MS = 1000;

/** The real clock. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleepUntil(t: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      const arm = (): void => {
        const left = t - Date.now();
        if (left <= 0) {
          signal?.removeEventListener('abort', onAbort);
          resolve();
          return;
        }
        // Re-check the wall clock at least once a second, so a clock change cannot make a run very late.
        timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      arm();
    });
  }
}
