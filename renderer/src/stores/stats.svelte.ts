/** The current stats object, fetched at most once a second while the page is visible (SPEC 19.1). */
import type { ConsoleApi } from '../../../shared/api/console-api.js';
import { flattenStats, type FlatStats } from '../../../shared/stats/schema.js';

export class StatsStore {
  flat: FlatStats = $state.raw({});
  error: string | null = $state(null);

  constructor(private readonly api: ConsoleApi) {}

  /** Starts refreshing; returns the stop function. */
  start(): () => void {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async (): Promise<void> => {
      if (stopped) return;
      if (document.visibilityState === 'visible') {
        try {
          this.flat = flattenStats(await this.api.stats());
          this.error = null;
        } catch (e) {
          this.error = e instanceof Error ? e.message : String(e);
        }
      }
      timer = setTimeout(() => void tick(), 1000);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }
}
