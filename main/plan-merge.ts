/**
 * The plan of SPEC 18.2 as a stream (the console's forecast, SPEC 19.8): the same runs in the same order as planRuns
 * (main/plan.ts, what `apsis plan` prints), made lazily by merging each schedule's own ordered occurrences, so a caller
 * can give the event loop back between any two groups and stop early. planRuns builds the whole table at once, which
 * is faster for a year of plan but holds the loop for the whole of it.
 */
import type { Job } from './jobs/job.js';
import { ArgsJson } from './plan.js';
import { dstMark, planOffset, type DstMark } from './plan-dst.js';
import { rawOccurrences } from './schedules/occurrences.js';
import type { RawOccurrence, StartSchedule } from './schedules/types.js';
import { formatIso } from './time/instants.js';

/** One run of the plan. */
export interface PlanEntry {
  /** Schedule time, epoch ms. */
  readonly time: number;
  readonly jobId: string;
  /** JSON of the args filtered to the job's params, keys sorted (as planRuns writes it). */
  readonly argsJson: string;
  /** UTC offset of the schedule's zone at `time` (`-05:00`); null for a schedule without a zone. */
  readonly offset: string | null;
  readonly dst: DstMark | null;
}

/** One enabled schedule of one job, at its next occurrence. */
interface Source {
  /** Order of addition: ties of time, job ID and args keep it, as in planRuns. */
  readonly order: number;
  readonly job: Job;
  readonly schedule: StartSchedule;
  readonly args: ArgsJson;
  readonly occurrences: Iterator<RawOccurrence>;
  /** A copy of the next occurrence before `to` (generators refill one record), or null when done. */
  next: RawOccurrence | null;
}

/** Schedules' occurrences in [from, to), merged in plan order: time, job ID, args JSON. */
export class PlanMerge {
  /** A binary min-heap of the sources with an occurrence left, by (time, order). */
  private readonly heap: Source[] = [];
  private added = 0;

  /** `onError` hears of a schedule that fails (a file calendar running out, SPEC 5.5); its runs so far count. */
  constructor(
    private readonly from: number,
    private readonly to: number,
    private readonly onError: (job: Job, message: string) => void = () => {},
  ) {}

  /** Adds the job's enabled schedules, each at its first occurrence (found here). */
  add(job: Job): void {
    const params = [...job.params].sort();
    for (const { start } of job.schedules) {
      if (!start.enabled) continue;
      const source: Source = {
        order: this.added++,
        job,
        schedule: start,
        args: new ArgsJson(params, start),
        occurrences: rawOccurrences(start, this.from)[Symbol.iterator](),
        next: null,
      };
      this.advance(source);
      if (source.next !== null) this.push(source);
    }
  }

  /** The runs at the next time of the plan, in plan order; empty once the plan is done. */
  nextGroup(): PlanEntry[] {
    const top = this.heap[0];
    if (top === undefined) return [];
    const time = (top.next as RawOccurrence).time;
    const group: { entry: PlanEntry; order: number }[] = [];
    // Sources leave the heap in (time, order) order, each with every occurrence it has at `time`.
    while (this.heap.length > 0 && ((this.heap[0] as Source).next as RawOccurrence).time === time) {
      const source = this.pop();
      while (source.next !== null && source.next.time === time) {
        group.push({ entry: this.entry(source, source.next), order: source.order });
        this.advance(source);
      }
      if (source.next !== null) this.push(source);
    }
    // Stable: equal job ID and args keep the order of the sources, then of each source's occurrences.
    group.sort(
      (a, b) => compare(a.entry.jobId, b.entry.jobId) || compare(a.entry.argsJson, b.entry.argsJson),
    );
    return group.map((g) => g.entry);
  }

  private entry(source: Source, o: RawOccurrence): PlanEntry {
    return {
      time: o.time,
      jobId: source.job.jobId,
      argsJson: source.args.text(o),
      offset: planOffset(source.schedule, o.time),
      dst: dstMark(source.schedule, o),
    };
  }

  /** Moves the source to its next occurrence before `to`, or marks it done. */
  private advance(source: Source): void {
    try {
      const r = source.occurrences.next();
      source.next = r.done === true || r.value.time >= this.to ? null : { ...r.value };
    } catch (e) {
      source.next = null;
      this.onError(source.job, e instanceof Error ? e.message : String(e));
    }
  }

  private push(source: Source): void {
    const heap = this.heap;
    heap.push(source);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Source, heap[parent] as Source)) break;
      [heap[i], heap[parent]] = [heap[parent] as Source, heap[i] as Source];
      i = parent;
    }
  }

  private pop(): Source {
    const heap = this.heap;
    const top = heap[0] as Source;
    const last = heap.pop() as Source;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l] as Source, heap[m] as Source)) m = l;
        if (r < heap.length && before(heap[r] as Source, heap[m] as Source)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m] as Source, heap[i] as Source];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Source, b: Source): boolean {
  const ta = (a.next as RawOccurrence).time;
  const tb = (b.next as RawOccurrence).time;
  return ta < tb || (ta === tb && a.order < b.order);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The whole plan of `jobs` over [from, to) as entries (tests, small windows). */
export function planEntries(
  jobs: Iterable<Job>,
  from: number,
  to: number,
  onError?: (job: Job, message: string) => void,
): PlanEntry[] {
  const merge = new PlanMerge(from, to, onError);
  for (const job of jobs) merge.add(job);
  const out: PlanEntry[] = [];
  for (let group = merge.nextGroup(); group.length > 0; group = merge.nextGroup()) out.push(...group);
  return out;
}

/** A plan entry as the API answers it: the object of `apsis plan --json`, plus `offset` and `dst` when known. */
export function planEntryJson(entry: PlanEntry): string {
  const offset = entry.offset === null ? '' : `,"offset":"${entry.offset}"`;
  const dst = entry.dst === null ? '' : `,"dst":"${entry.dst}"`;
  return `{"time":"${formatIso(entry.time)}","job_id":${JSON.stringify(entry.jobId)},"args":${entry.argsJson}${offset}${dst}}`;
}
