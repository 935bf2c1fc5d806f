/**
 * The bounds of template rendering (SPEC 7 "Bounded"): a template is the operator's text, and through ad
 * hoc jobs and args also an API client's, so no render may stop, crash or starve the engine. A budget
 * bounds each `range()` call, and counts loop iterations (every per-item step of a filter, method or repetition counts
 * as one), output bytes and render time, across every render given the same budget object; going over
 * a limit is a template error naming it.
 */

/** The limits of one budget; the defaults are SPEC 7's limits for one render. */
export interface RenderLimits {
  /** Items one `range()` call may produce (their iteration counts against `iterations`). Default 100,000. */
  readonly rangeItems: number;
  /** Loop iterations in all (for loops, and the per-item work of filters, methods and repetition). Default 1,000,000. */
  readonly iterations: number;
  /** Bytes of output (UTF-8), and the longest string any expression may build. Default 1 MiB. */
  readonly outputBytes: number;
  /** Milliseconds of rendering, checked as work is counted. Default 100. */
  readonly elapsedMs: number;
}

export const DEFAULT_LIMITS: RenderLimits = {
  rangeItems: 100_000,
  iterations: 1_000_000,
  outputBytes: 1 << 20,
  elapsedMs: 100,
};

/** Deepest nesting of macro calls and recursive loops (Python stops Jinja2 a little later, with RecursionError). */
export const MAX_CALL_DEPTH = 100;

/** Largest integer, in bits (about Python's 4300-digit limit for printing an int). */
export const MAX_INT_BITS = 14_300;

/** A mutable budget shared by the renders given it (for example every run of one API request). */
export interface RenderBudget {
  readonly limits: RenderLimits;
  rangeItems: number;
  iterations: number;
  outputBytes: number;
  elapsedMs: number;
  /** Monotonic milliseconds, for measuring render time (performance.now unless a test injects one). */
  readonly now: () => number;
}

/** A fresh budget with SPEC 7's per-render limits, or others. */
export function newRenderBudget(
  limits: Partial<RenderLimits> = {},
  now: () => number = () => performance.now(),
): RenderBudget {
  return {
    limits: { ...DEFAULT_LIMITS, ...limits },
    rangeItems: 0,
    iterations: 0,
    outputBytes: 0,
    elapsedMs: 0,
    now,
  };
}

/** Going over a limit: ends the render with a message naming the limit. */
export class BudgetExceeded extends Error {
  override readonly name = 'BudgetExceeded';
}

/** Only ASCII characters (each one byte of UTF-8). */
const ASCII = /^\p{ASCII}*$/u;

const fmt = (n: number): string => n.toLocaleString('en-US');

function mib(bytes: number): string {
  return bytes % (1 << 20) === 0 ? `${fmt(bytes / (1 << 20))} MiB` : `${fmt(bytes)} bytes`;
}

/** Checks work against one budget during one render; time is checked every few hundred steps. */
export class BudgetMeter {
  private readonly started: number;
  private readonly spentBefore: number;
  private steps = 0;

  constructor(readonly budget: RenderBudget) {
    this.started = budget.now();
    this.spentBefore = budget.elapsedMs;
    this.checkTime();
  }

  /** Counts `n` loop iterations (or per-item steps). */
  iterate(n = 1): void {
    const b = this.budget;
    b.iterations += n;
    if (b.iterations > b.limits.iterations)
      throw new BudgetExceeded(`template exceeds ${fmt(b.limits.iterations)} loop iterations`);
    this.step(n);
  }

  /**
   * Refuses a `range()` call of more than `rangeItems` items (SPEC 7: `range()` at most 100,000 items). Per call: a loop
   * of small ranges is bounded by the iterations it makes, not by how many ranges it asks for.
   */
  range(n: number): void {
    const b = this.budget;
    b.rangeItems += n;
    if (n > b.limits.rangeItems)
      throw new BudgetExceeded(`template exceeds ${fmt(b.limits.rangeItems)} range() items`);
  }

  /** Counts output text. */
  output(text: string): void {
    const b = this.budget;
    b.outputBytes += text.length <= 64 && ASCII.test(text) ? text.length : Buffer.byteLength(text);
    if (b.outputBytes > b.limits.outputBytes)
      throw new BudgetExceeded(`template exceeds ${mib(b.limits.outputBytes)} of output`);
  }

  /** Refuses a string longer than the output limit before it is built. */
  stringLength(chars: number | bigint): void {
    const limit = this.budget.limits.outputBytes;
    // Building a string is work in proportion to its length: count it, so time is checked often.
    if (chars >= 4096 && chars <= limit) this.step(Math.floor(Number(chars) / 4096));
    if (chars > limit)
      throw new BudgetExceeded(
        `template exceeds ${mib(limit)} of output (a string of ${fmt(Number(chars))} characters)`,
      );
  }

  /** Counts evaluation steps; every 256 the render time is checked. */
  step(n = 1): void {
    this.steps += n;
    if (this.steps >= 256) {
      this.steps = 0;
      this.checkTime();
    }
  }

  /** Records the time spent; called when the render ends. */
  finish(): void {
    this.budget.elapsedMs = this.spentBefore + (this.budget.now() - this.started);
  }

  private checkTime(): void {
    const b = this.budget;
    const elapsed = this.spentBefore + (b.now() - this.started);
    if (elapsed > b.limits.elapsedMs) {
      b.elapsedMs = elapsed;
      throw new BudgetExceeded(`template exceeds ${fmt(b.limits.elapsedMs)} ms of rendering`);
    }
  }
}

let active: BudgetMeter | null = null;

/** Runs `fn` with `meter` as the meter that value operations charge (renders are synchronous). */
export function withMeter<T>(meter: BudgetMeter, fn: () => T): T {
  const previous = active;
  active = meter;
  try {
    return fn();
  } finally {
    active = previous;
  }
}

/** The meter of the render in progress; outside a render (direct calls in tests), a fresh one. */
export function meter(): BudgetMeter {
  return active ?? new BudgetMeter(newRenderBudget());
}
