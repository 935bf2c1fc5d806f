/** Garbage collection figures from V8's performance entries, counted from the first call. */
import { PerformanceObserver } from 'node:perf_hooks';

const totals = { count: 0, elapsed: 0, elapsed_max: 0 };
let observer: PerformanceObserver | null = null;

function observe(): void {
  if (observer !== null) return;
  observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const seconds = entry.duration / 1000;
      totals.count += 1;
      totals.elapsed += seconds;
      if (seconds > totals.elapsed_max) totals.elapsed_max = seconds;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}

/** GC count, total and longest pause (seconds) since observation began. */
export function gcStats(): { count: number; elapsed: number; elapsed_max: number } {
  observe();
  return { ...totals };
}

/** Starts observing (call at engine start so counts cover its whole life). */
export function startGcObservation(): void {
  observe();
}
