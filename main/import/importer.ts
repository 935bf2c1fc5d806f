/**
 * `apsis import-apsis-db` (SPEC 18.6): Apsis's runs, run logs, outputs, ad hoc jobs, clock and run-ID counter copied
 * into our database in one transaction. Rows stream through one at a time (memory stays flat with a million runs);
 * between chunks the event loop turns, so progress is reported and an interrupt rolls everything back.
 */
import { runNumber } from '../store/run-record.js';
import { mapAdHocJob } from './ad-hoc-jobs.js';
import { ApsisDb, ImportError, type SourceCounts } from './apsis-db.js';
import { RunConverter } from './convert-run.js';
import { checkLogLine, checkOutput } from './rows.js';
import { NOTE_HEADLINES, plural, PROBLEM_HEADLINES, Tallies, type ImportReport } from './report.js';
import { Target } from './target.js';

export interface ImportOptions {
  /** Apsis's database file, read only. */
  source: string;
  /** Our database file, created when missing. */
  target: string;
  /** Read and check everything, write nothing. */
  dryRun: boolean;
  /** Wall-clock epoch ms (the time of the error transitions the import makes, and of progress). */
  now: () => number;
  /** Aborting it rolls the import back at the next chunk. */
  signal?: AbortSignal;
  /** Called about once a second with what is done so far. */
  onProgress?: (progress: Progress) => void;
}

/** Rows done so far and in all, per table. */
export interface Progress {
  runs: [done: number, total: number];
  logLines: [done: number, total: number];
  outputs: [done: number, total: number];
  /** Indexes built again once every row is in (none in a dry run). */
  indexes: [done: number, total: number];
}

export type ImportOutcome =
  { ok: true; report: ImportReport } | { ok: false; message: string; interrupted: boolean };

/** Rows between turns of the event loop. */
const CHUNK = 1000;
/** Output bytes between turns of the event loop. */
const CHUNK_BYTES = 16 * 1024 * 1024;
const PROGRESS_MS = 1000;

class Interrupted extends Error {}

/** Runs an import; a refusal, an interrupt and a full disk are outcomes, never throws for them. */
export async function importApsisDb(options: ImportOptions): Promise<ImportOutcome> {
  const started = options.now();
  let source: ApsisDb | undefined;
  let target: Target | undefined;
  try {
    source = ApsisDb.open(options.source);
    if (options.dryRun) Target.check(options.target);
    else target = Target.open(options.target, options.source, started);
    const run = new ImportRun(options, source, target, started);
    const report = await run.execute();
    return { ok: true, report };
  } catch (e) {
    target?.close(false);
    target = undefined;
    if (e instanceof ImportError) return { ok: false, message: e.message, interrupted: false };
    if (e instanceof Interrupted)
      return {
        ok: false,
        message: `interrupted: nothing was imported; ${options.target} is as it was`,
        interrupted: true,
      };
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_FULL' || (typeof code === 'string' && code.startsWith('SQLITE_IOERR')))
      return {
        ok: false,
        message: `cannot write ${options.target} (${code}): nothing was imported; free disk space or choose another --db file`,
        interrupted: false,
      };
    throw e;
  } finally {
    target?.close(true);
    source?.close();
  }
}

/** One import in progress: its tallies, its chunking and its phases. */
class ImportRun {
  private readonly counts: SourceCounts;
  private readonly report: ImportReport;
  private readonly progress: Progress;
  private lastProgress: number;
  private sinceYield = 0;
  private bytesSinceYield = 0;
  /** Runs not imported, with why: their log lines and outputs stay out too, and are counted here. */
  private readonly skipped = new Map<string, { problem: string; lines: number; outputs: number }>();
  /** Runs the import ended in error, with their messages, for their outputs. */
  private readonly errors: [runId: string, message: string][] = [];
  private maxNumber = 0;

  constructor(
    private readonly options: ImportOptions,
    private readonly source: ApsisDb,
    private readonly target: Target | undefined,
    private readonly started: number,
  ) {
    this.counts = source.counts();
    this.lastProgress = started;
    this.progress = {
      runs: [0, this.counts.runs],
      logLines: [0, this.counts.logLines],
      outputs: [0, this.counts.outputs],
      indexes: [0, 0],
    };
    this.report = {
      source: options.source,
      target: options.target,
      dryRun: options.dryRun,
      counts: this.counts,
      apsisStates: {},
      states: {},
      runs: 0,
      logLines: 0,
      outputs: 0,
      storedBytes: 0,
      bytes: 0,
      compression: {},
      errorOutputs: 0,
      jobs: 0,
      clock: null,
      nextRunNumber: 1,
      notes: new Tallies(NOTE_HEADLINES),
      problems: new Tallies(PROBLEM_HEADLINES),
      seconds: 0,
    };
  }

  async execute(): Promise<ImportReport> {
    this.target?.begin();
    await this.runs();
    await this.runLog();
    await this.outputs();
    for (const [runId, { problem, lines, outputs }] of this.skipped) {
      const along = [
        lines > 0 ? plural(lines, 'run-log line') : '',
        outputs > 0 ? plural(outputs, 'output') : '',
      ];
      const also = along.filter((a) => a !== '').join(', ');
      this.report.problems.add(
        'run',
        `${runId}: ${problem}${also === '' ? '' : ` (left out with it: ${also})`}`,
      );
    }
    for (const [runId, message] of this.errors)
      if (this.target === undefined || this.target.errorOutput(runId, message)) this.report.errorOutputs += 1;
    this.jobs();
    this.clockAndRunIds();
    const indexes = this.target?.indexesToBuild ?? [];
    this.progress.indexes[1] = indexes.length;
    for (const sql of indexes) {
      // Each index is one statement of a few seconds: say what is going on before each, if a second has passed.
      const now = this.options.now();
      if (now - this.lastProgress >= PROGRESS_MS) this.tellProgress(now);
      this.target?.buildIndex(sql);
      this.progress.indexes[0] += 1;
      await this.turn();
    }
    await this.turn();
    this.target?.commit();
    this.report.seconds = (this.options.now() - this.started) / 1000;
    return this.report;
  }

  private async runs(): Promise<void> {
    const converter = new RunConverter(this.started);
    const now = this.started / 1000;
    const { report } = this;
    for (const source of this.source.runs()) {
      const converted = converter.convert(source);
      this.progress.runs[0] += 1;
      if (!converted.ok) {
        this.skipped.set(converted.runId, { problem: converted.problem, lines: 0, outputs: 0 });
      } else {
        const { row, notes, error } = converted;
        const [, runId, , jobId] = row;
        this.target?.run(row);
        if (error !== null) {
          this.target?.log(runId, now, `error: ${error}`);
          this.errors.push([runId, error]);
        }
        for (const note of notes) report.notes.add(note.kind, `${runId} (${jobId}): ${note.detail}`);
        report.runs += 1;
        count(report.apsisStates, converted.apsisState);
        count(report.states, row[5]);
        this.maxNumber = Math.max(this.maxNumber, row[0]);
      }
      if (this.due()) await this.turn();
    }
  }

  private async runLog(): Promise<void> {
    for (const source of this.source.runLog()) {
      this.progress.logLines[0] += 1;
      const line = checkLogLine(source);
      const skipped = typeof line === 'string' ? undefined : this.skipped.get(line.runId);
      if (typeof line === 'string') this.report.problems.add('log', line);
      else if (skipped !== undefined) skipped.lines += 1;
      else {
        this.target?.log(line.runId, line.timestamp, line.message);
        this.report.logLines += 1;
        this.seen(line.runId);
      }
      if (this.due()) await this.turn();
    }
  }

  private async outputs(): Promise<void> {
    const { report } = this;
    for (const source of this.source.outputs()) {
      this.progress.outputs[0] += 1;
      const checked = checkOutput(source);
      const skipped = typeof checked === 'string' ? undefined : this.skipped.get(checked.output.runId);
      if (typeof checked === 'string') report.problems.add('output', checked);
      else if (skipped !== undefined) skipped.outputs += 1;
      else if (this.target !== undefined && !this.target.output(checked.output))
        report.problems.add(
          'output',
          `${checked.output.runId}/${checked.output.outputId}: a second output of that ID`,
        );
      else {
        const { output, defect } = checked;
        if (defect !== null)
          report.problems.add('output-kept', `${output.runId}/${output.outputId}: ${defect}`);
        report.outputs += 1;
        report.storedBytes += output.data.length;
        report.bytes += output.length;
        count(report.compression, output.compression ?? 'uncompressed');
        this.bytesSinceYield += output.data.length;
        this.seen(output.runId);
      }
      if (this.due()) await this.turn();
    }
  }

  private jobs(): void {
    for (const [jobId, text] of this.source.jobs()) {
      const mapped = mapAdHocJob(jobId, text);
      const id = typeof jobId === 'string' ? jobId : String(jobId);
      if (!mapped.ok) this.report.problems.add('job', `${id}: ${mapped.reason}`);
      else if (this.target !== undefined && !this.target.job(id, mapped.value))
        this.report.problems.add('job', `${id}: ${this.options.target} has an ad hoc job of that ID already`);
      else this.report.jobs += 1;
    }
  }

  /** Apsis's clock, and a next run number past every run ID seen (SPEC 11.7: never reuse one). */
  private clockAndRunIds(): void {
    const { report } = this;
    const clocks = this.source.clock();
    const clock = clocks.filter((c): c is number => typeof c === 'number' && Number.isFinite(c));
    if (clock.length === 0)
      report.problems.add('clock', 'Apsis has no clock value: ours starts now, so no run is caught up');
    else {
      if (clocks.length > 1)
        report.problems.add('clock', `Apsis has ${clocks.length} clock rows: the latest is taken`);
      report.clock = Math.max(...clock);
      this.target?.setClock(report.clock);
    }
    const numbers = this.source.nextRunId();
    const apsis = numbers.find((n): n is number => Number.isSafeInteger(n) && (n as number) > 0);
    if (apsis === undefined)
      report.problems.add(
        'next-run-id',
        `Apsis has no next run ID: r${this.maxNumber + 1} follows the highest run ID`,
      );
    const next = Math.max(apsis ?? 1, this.maxNumber + 1, this.target?.nextRunNumber() ?? 1);
    report.nextRunNumber = next;
    this.target?.setNextRunNumber(next);
  }

  /** A run ID of a log line or output, for the next run number. */
  private seen(runId: string): void {
    // A run's lines mostly follow one another: parse each run ID once in a row.
    if (runId === this.lastSeen) return;
    this.lastSeen = runId;
    const n = runNumber(runId);
    if (n !== undefined && n > this.maxNumber) this.maxNumber = n;
  }
  private lastSeen = '';

  /** Counts a row; true every CHUNK rows (or CHUNK_BYTES of output): time for turn(). Not async: cheap per row. */
  private due(): boolean {
    this.sinceYield += 1;
    return this.sinceYield >= CHUNK || this.bytesSinceYield >= CHUNK_BYTES;
  }

  /** Lets the event loop turn, reports progress, stops when aborted. */
  private async turn(): Promise<void> {
    this.sinceYield = 0;
    this.bytesSinceYield = 0;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.options.signal?.aborted === true) throw new Interrupted();
    const now = this.options.now();
    if (now - this.lastProgress >= PROGRESS_MS) this.tellProgress(now);
  }

  private tellProgress(now: number): void {
    this.lastProgress = now;
    this.options.onProgress?.(this.progress);
  }
}

function count(byKey: Record<string, number>, key: string): void {
  byKey[key] = (byKey[key] ?? 0) + 1;
}
