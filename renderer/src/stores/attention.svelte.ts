/**
 * What needs a person (SPEC 19.8): the counts of GET /api/v1/attention for one window. They are refreshed when the
 * summary stream says runs changed, at most once every MIN_GAP_MS and one request at a time, and every TICK_MS
 * besides: a run becomes overdue or waits too long by the clock alone, with no event to say so.
 */
import type { Attention, AttentionWindow, ConsoleApi } from '../../../shared/api/console-api.js';

const MIN_GAP_MS = 3000;
const TICK_MS = 30_000;

export class AttentionStore {
  value: Attention | null = $state.raw(null);
  /** Why the latest refresh failed; null after a good one. */
  error: string | null = $state(null);
  private inFlight = false;
  private again = false;
  private last = 0;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly api: ConsoleApi,
    readonly window: AttentionWindow,
  ) {}

  /** Fetches the counts now and keeps them fresh; returns the stop function. */
  start(): () => void {
    void this.refresh();
    const tick = setInterval(() => this.poke(), TICK_MS);
    return () => {
      this.stopped = true;
      clearInterval(tick);
      clearTimeout(this.timer);
    };
  }

  /** Asks for fresh counts: at once when the last request was long enough ago, else once after the gap. */
  poke(): void {
    if (this.stopped) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    const wait = this.last + MIN_GAP_MS - Date.now();
    if (wait <= 0) {
      void this.refresh();
      return;
    }
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.poke();
    }, wait);
  }

  private async refresh(): Promise<void> {
    this.inFlight = true;
    this.last = Date.now();
    try {
      const value = await this.api.attention(this.window);
      if (this.stopped) return;
      this.value = value;
      this.error = null;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.inFlight = false;
      if (this.again) {
        this.again = false;
        this.poke();
      }
    }
  }
}
