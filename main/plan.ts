/**
 * The runs a set of jobs' schedules produce over a time range (SPEC 18.2), as the scheduler would create them.
 *
 * A year of plan is about a million runs. Kept as a million objects with their args text, most of the time went
 * to the garbage collector; so occurrences are kept as numbers in typed-array columns, sorted there, and a
 * run's args text is written when it is read.
 */
import type { Job } from './jobs/job.js';
import { ArgField, argsTemplate } from './schedules/args.js';
import { rawOccurrence } from './schedules/generate.js';
import { rawOccurrences } from './schedules/occurrences.js';
import type { Args, RawOccurrence, StartSchedule } from './schedules/types.js';
import { formatArgTime } from './time/instants.js';

export interface PlannedRun {
  readonly time: number;
  readonly jobId: string;
  /** JSON of the args filtered to the job's params, keys sorted: the third sort key and the output form. */
  readonly argsJson: string;
  /** The schedule's time zone, when it has one (for DST notes). */
  readonly tz: string | null;
}

/** Args of an occurrence as a run gets them: automatic and explicit args plus schedule_time, kept to the params. */
export function runArgs(params: readonly string[], occurrenceArgs: Args, time: number): Args {
  const args: Args = {};
  for (const param of params) {
    const value =
      param === 'schedule_time'
        ? formatArgTime(time)
        : Object.hasOwn(occurrenceArgs, param)
          ? occurrenceArgs[param]
          : undefined;
    if (value !== undefined) args[param] = value;
  }
  return args;
}

/** The args of a planned run. */
export function plannedArgs(run: PlannedRun): Args {
  return JSON.parse(run.argsJson) as Args;
}

// eslint-disable-next-line no-control-regex -- JSON text must escape control characters
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u2028\u2029]/;

/** JSON text of a string; the common case needs no escaping and skips JSON.stringify. */
function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

const SCHEDULE_TIME = new ArgField('schedule_time', (o) => formatArgTime(o.time));

/**
 * `runArgs` of one schedule's occurrences for one job, straight to JSON text: fixed text between the values
 * read from the raw occurrence.
 */
export class ArgsJson {
  /** One more than `fields`: the text before, between and after them. */
  private readonly texts: string[] = [];
  private readonly fields: ArgField[] = [];

  constructor(params: readonly string[], schedule: StartSchedule) {
    const template = argsTemplate(schedule);
    let text = '{';
    let first = true;
    for (const param of [...params].sort()) {
      // The lookup of runArgs: own args only, so a param named `constructor` or `toString` is not an inherited member.
      const value =
        param === 'schedule_time'
          ? SCHEDULE_TIME
          : Object.hasOwn(template, param)
            ? template[param]
            : undefined;
      if (value === undefined) continue;
      text += `${first ? '' : ','}${jsonString(param)}:`;
      first = false;
      if (value instanceof ArgField) {
        this.texts.push(`${text}"`);
        this.fields.push(value);
        text = '"';
        continue;
      }
      text += jsonString(value);
    }
    this.texts.push(`${text}}`);
  }

  /** What decides the text: equal keys, equal texts for equal occurrences. */
  get key(): string {
    return `${this.texts.join('\u0000')}\u0001${this.fields.map((f) => f.name).join(',')}`;
  }

  private readonly last = rawOccurrence(Number.NaN);
  private lastText = '';

  text(o: RawOccurrence): string {
    const { texts, fields, last } = this;
    if (fields.length === 0) return texts[0] as string;
    if (
      o.time === last.time &&
      o.argTime === last.argTime &&
      o.date === last.date &&
      o.daytime === last.daytime &&
      o.schedDate === last.schedDate
    )
      return this.lastText;
    let out = texts[0] as string;
    for (let i = 0; i < fields.length; i += 1)
      out += (fields[i] as ArgField).text(o) + (texts[i + 1] as string);
    Object.assign(last, o);
    this.lastText = out;
    return out;
  }
}

/**
 * Every run of an enabled schedule with time in [from, to), sorted by time, job ID, then args JSON. A schedule
 * that fails (a file calendar running out, SPEC 5.5) keeps the runs it made and is reported to `onError`.
 */
export function planRuns(
  jobs: Iterable<Job>,
  from: number,
  to: number,
  onError: (job: Job, message: string) => void = () => {},
): PlannedRun[] {
  const table = new PlanTable();
  const shared = new Map<string, ArgsJson>();
  for (const job of jobs) {
    const params = [...job.params].sort();
    for (const { start } of job.schedules) {
      if (!start.enabled) continue;
      let args = new ArgsJson(params, start);
      const key = args.key;
      args = shared.get(key) ?? args;
      shared.set(key, args);
      const source = table.addSource(job.jobId, zoneOf(start), args);
      try {
        for (const occurrence of rawOccurrences(start, from)) {
          if (occurrence.time >= to) break;
          table.push(occurrence, source);
        }
      } catch (e) {
        onError(job, (e as Error).message);
      }
    }
  }
  const runs: PlannedRun[] = [];
  for (const row of table.sorted()) runs.push(new PlanRow(table, row));
  return runs;
}

/** The schedule's time zone, or null for the types without one (interval, explicit). */
export function zoneOf(s: StartSchedule): string | null {
  return 'tz' in s ? s.tz : null;
}

/** A run of the plan: a row of the table, read on demand. */
class PlanRow implements PlannedRun {
  constructor(
    private readonly table: PlanTable,
    private readonly row: number,
  ) {}

  get time(): number {
    return this.table.time(this.row);
  }

  get jobId(): string {
    return this.table.source(this.row).jobId;
  }

  get argsJson(): string {
    return this.table.argsJson(this.row);
  }

  get tz(): string | null {
    return this.table.source(this.row).tz;
  }
}

interface Source {
  jobId: string;
  tz: string | null;
  args: ArgsJson;
  /** Its rows are [firstRow, the next source's firstRow). */
  firstRow: number;
}

const CHUNK_BITS = 16;
const CHUNK_ROWS = 1 << CHUNK_BITS;
const ROW_MASK = CHUNK_ROWS - 1;

/** 65,536 rows of the table: growing whole columns by copying cost more than filling them. */
class Chunk {
  readonly times = new Float64Array(CHUNK_ROWS);
  readonly argTimes = new Float64Array(CHUNK_ROWS);
  readonly dates = new Int32Array(CHUNK_ROWS);
  readonly daytimes = new Float64Array(CHUNK_ROWS);
  readonly schedDates = new Int32Array(CHUNK_ROWS);
  readonly sources = new Int32Array(CHUNK_ROWS);
}

/** Occurrences as columns, a row each, with the source (a job's schedule) that made them. */
class PlanTable {
  private size = 0;
  private readonly chunks: Chunk[] = [];
  private readonly sourceList: Source[] = [];
  /** Filled from a row to write its args text. */
  private readonly scratch = rawOccurrence();

  /** Starts the rows of a new source; returns its number. */
  addSource(jobId: string, tz: string | null, args: ArgsJson): number {
    this.sourceList.push({ jobId, tz, args, firstRow: this.size });
    return this.sourceList.length - 1;
  }

  /** Appends a row for `o` to the last source added. */
  push(o: RawOccurrence, source: number): void {
    const i = this.size & ROW_MASK;
    if (i === 0) this.chunks.push(new Chunk());
    const chunk = this.chunks[this.chunks.length - 1] as Chunk;
    chunk.times[i] = o.time;
    chunk.argTimes[i] = o.argTime;
    chunk.dates[i] = o.date;
    chunk.daytimes[i] = o.daytime;
    chunk.schedDates[i] = o.schedDate;
    chunk.sources[i] = source;
    this.size += 1;
  }

  time(row: number): number {
    return this.chunk(row).times[row & ROW_MASK] as number;
  }

  source(row: number): Source {
    return this.sourceList[this.chunk(row).sources[row & ROW_MASK] as number] as Source;
  }

  argsJson(row: number): string {
    const chunk = this.chunk(row);
    const i = row & ROW_MASK;
    const o = this.scratch;
    o.time = chunk.times[i] as number;
    o.argTime = chunk.argTimes[i] as number;
    o.date = chunk.dates[i] as number;
    o.daytime = chunk.daytimes[i] as number;
    o.schedDate = chunk.schedDates[i] as number;
    return (this.sourceList[chunk.sources[i] as number] as Source).args.text(o);
  }

  /** The rows in plan order: time, job ID, then args JSON (ties otherwise keep the order they were made in). */
  sorted(): Uint32Array {
    const n = this.size;
    const times = new Float64Array(n);
    this.chunks.forEach((chunk, c) =>
      times.set(chunk.times.subarray(0, Math.min(CHUNK_ROWS, n - c * CHUNK_ROWS)), c * CHUNK_ROWS),
    );
    const ids = [...new Set(this.sourceList.map((s) => s.jobId))].sort();
    const rankOf = new Map(ids.map((id, i) => [id, i]));
    const ranks = this.sourceList.map((s) => rankOf.get(s.jobId) as number);
    // Rows by job ID, stably, then stably by time: equal times stay in job ID order.
    const bySource = ranks.map((_, i) => i).sort((a, b) => (ranks[a] as number) - (ranks[b] as number));
    let order: Uint32Array = new Uint32Array(n);
    let k = 0;
    for (const s of bySource) {
      const end = this.sourceList[s + 1]?.firstRow ?? n;
      for (let row = (this.sourceList[s] as Source).firstRow; row < end; row += 1) order[k++] = row;
    }
    order = sortRowsBy(order, times);
    // Runs of one job at one time (several schedules, or daytimes a gap shift merges) go in args order.
    const rank = (row: number): number => ranks[this.chunk(row).sources[row & ROW_MASK] as number] as number;
    for (let i = 0; i < n;) {
      const time = times[order[i] as number];
      let j = i + 1;
      if (j < n && times[order[j] as number] === time) {
        const first = rank(order[i] as number);
        while (j < n && times[order[j] as number] === time && rank(order[j] as number) === first) j += 1;
        if (j - i > 1) this.sortByArgs(order, i, j);
      }
      i = j;
    }
    return order;
  }

  private chunk(row: number): Chunk {
    return this.chunks[row >>> CHUNK_BITS] as Chunk;
  }

  /** Sorts order[i, j) by args JSON, stably. */
  private sortByArgs(order: Uint32Array, i: number, j: number): void {
    const rows = Array.from(order.subarray(i, j), (row) => ({ row, text: this.argsJson(row) }));
    rows.sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
    order.set(
      rows.map((r) => r.row),
      i,
    );
  }
}

/**
 * `order` (rows) sorted stably by `keys[row]`. Occurrence times are whole milliseconds, mostly whole seconds, so
 * this is a radix sort of (key - min) / unit, the low 32 bits and then the high ones; other keys take Array's
 * sort.
 */
function sortRowsBy(order: Uint32Array, keys: Float64Array): Uint32Array {
  const n = order.length;
  let min = Infinity;
  let max = -Infinity;
  let whole = true;
  let seconds = true;
  for (const row of order) {
    const key = keys[row] as number;
    if (key < min) min = key;
    if (key > max) max = key;
    if (!Number.isInteger(key)) whole = false;
    else if (key % 1000 !== 0) seconds = false;
  }
  if (n < 2) return order;
  const unit = seconds ? 1000 : 1;
  const span = (max - min) / unit;
  if (!whole || span > Number.MAX_SAFE_INTEGER)
    return Uint32Array.from(Array.from(order).sort((a, b) => (keys[a] as number) - (keys[b] as number)));
  const bits = Math.max(1, Math.ceil(Math.log2(span + 1)));
  const part = new Uint32Array(n);
  for (let i = 0; i < n; i += 1) part[i] = ((keys[order[i] as number] as number) - min) / unit; // mod 2^32
  let rows = radixSort(order, part, Math.min(bits, 32));
  if (bits > 32) {
    for (let i = 0; i < n; i += 1)
      part[i] = Math.floor(((keys[rows[i] as number] as number) - min) / unit / 2 ** 32);
    rows = radixSort(rows, part, bits - 32);
  }
  return rows;
}

/**
 * `rows` sorted stably by `key` (key[i] belongs to rows[i], `bits` wide), least significant digit first, at most
 * 16 bits a pass. Reuses both arrays.
 */
function radixSort(rows: Uint32Array, key: Uint32Array, bits: number): Uint32Array {
  const n = rows.length;
  const passes = Math.ceil(bits / 16);
  const width = Math.ceil(bits / passes);
  const mask = (1 << width) - 1;
  const count = new Uint32Array(mask + 1);
  let fromRows = rows;
  let fromKey = key;
  let toRows: Uint32Array = new Uint32Array(n);
  let toKey: Uint32Array = new Uint32Array(n);
  for (let shift = 0; shift < bits; shift += width) {
    count.fill(0);
    for (let i = 0; i < n; i += 1) {
      const d = ((fromKey[i] as number) >>> shift) & mask;
      count[d] = (count[d] as number) + 1;
    }
    let sum = 0;
    for (let d = 0; d <= mask; d += 1) {
      const c = count[d] as number;
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i += 1) {
      const k = fromKey[i] as number;
      const d = (k >>> shift) & mask;
      const at = count[d] as number;
      count[d] = at + 1;
      toRows[at] = fromRows[i] as number;
      toKey[at] = k;
    }
    [fromRows, toRows] = [toRows, fromRows];
    [fromKey, toKey] = [toKey, fromKey];
  }
  return fromRows;
}
