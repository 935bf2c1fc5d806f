/**
 * `apsis import-apsis-db` (SPEC 18.6): Apsis's runs, run logs, outputs, ad hoc jobs, clock and run-ID counter copied
 * into our database in one transaction. Runs stream through a page at a time (memory stays flat with a million
 * runs); the run log and plain outputs are copied inside SQLite (transfer.ts). Between pages and spans the event
 * loop turns, so progress is reported and an interrupt rolls everything back.
 */
import Database from 'better-sqlite3';
import { mapAdHocJob } from './ad-hoc-jobs.js';
import { ApsisDb, ImportError } from './apsis-db.js';
import { RunConverter } from './convert-run.js';
import { checkLogLine, checkOutput } from './rows.js';
import { NOTE_HEADLINES, plural, PROBLEM_HEADLINES, Tallies, type ImportReport } from './report.js';
import { Target } from './target.js';
import { Transfer, type SourceCounts } from './transfer.js';

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

const PROGRESS_MS = 1000;
/** Imports of at least this many runs also report every tenth of them. */
const PROGRESS_TENTHS_FROM = 10_000;

class Interrupted extends Error {}

/** Runs an import; a refusal, an interrupt and a full disk are outcomes, never throws for them. */
export async function importApsisDb(options: ImportOptions): Promise<ImportOutcome> {
  const started = options.now();
  let source: ApsisDb | undefined;
  let target: Target | undefined;
  let counter: Database.Database | undefined;
  try {
    source = ApsisDb.open(options.source);
    let reader: Database.Database;
    if (options.dryRun) {
      Target.check(options.target, options.source);
      reader = counter = new Database(':memory:');
    } else {
      target = Target.open(options.target, options.source, started);
      reader = target.connection;
    }
    // Before the write transaction: SQLite attaches no database inside one.
    source.attachTo(reader);
    const transfer = new Transfer(reader, source.tables, source.runColumns, !options.dryRun);
    const run = new ImportRun(options, transfer, target, started);
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
    // The connections that attached Apsis's database close before its read-only one (see transfer.ts).
    target?.close(true);
    counter?.close();
    source?.close();
  }
}

/** One import in progress: its tallies, its chunking and its phases. */
class ImportRun {
  private counts: SourceCounts = { runs: 0, logLines: 0, outputs: 0, jobs: 0 };
  private readonly report: ImportReport;
  private readonly progress: Progress;
  private lastProgress: number;
  /** Runs done at the last progress report. */
  private runsReported = 0;
  /** Runs not imported, with why: their log lines and outputs stay out too, and are counted here. */
  private readonly skipped = new Map<string, { problem: string; lines: number; outputs: number }>();
  /** Runs the import ended in error, with their messages, for their outputs. */
  private readonly errors: [runId: string, message: string][] = [];
  private maxNumber = 0;

  constructor(
    private readonly options: ImportOptions,
    private readonly transfer: Transfer,
    private readonly target: Target | undefined,
    private readonly started: number,
  ) {
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
    if (this.target === undefined) this.transfer.beginRead();
    else this.target.begin();
    this.counts = this.transfer.counts();
    this.report.counts = this.counts;
    this.progress.runs[1] = this.counts.runs;
    this.progress.logLines[1] = this.counts.logLines;
    this.progress.outputs[1] = this.counts.outputs;
    await this.runs();
    await this.runLog();
    await this.outputs();
    this.reportLeftOut();
    for (const [runId, message] of this.errors) {
      const added =
        this.target === undefined ? !this.transfer.hasOutput(runId) : this.target.errorOutput(runId, message);
      if (added) this.report.errorOutputs += 1;
    }
    this.jobs();
    this.clockAndRunIds();
    await this.buildIndexes();
    await this.turn();
    if (this.target === undefined) this.transfer.endRead();
    else this.target.commit();
    this.report.seconds = (this.options.now() - this.started) / 1000;
    return this.report;
  }

  /** Runs not imported, each with the log lines and outputs left out with it. */
  private reportLeftOut(): void {
    for (const { runId, lines, outputs } of this.transfer.leftOut()) {
      const skipped = this.skipped.get(runId);
      if (skipped === undefined) continue;
      skipped.lines += lines;
      skipped.outputs += outputs;
    }
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
  }

  /** The indexes dropped for the load, built again; each is one statement of a few seconds with a million runs. */
  private async buildIndexes(): Promise<void> {
    const indexes = this.target?.indexesToBuild ?? [];
    this.progress.indexes[1] = indexes.length;
    for (const sql of indexes) {
      const now = this.options.now();
      if (now - this.lastProgress >= PROGRESS_MS) this.tellProgress(now);
      this.target?.buildIndex(sql);
      this.progress.indexes[0] += 1;
      await this.turn();
    }
  }

  private async runs(): Promise<void> {
    const converter = new RunConverter(this.started);
    const now = this.started / 1000;
    const { report } = this;
    for (let page = this.transfer.runs(-Infinity); page.length > 0;) {
      for (const source of page) {
        const converted = converter.convert(source);
        this.progress.runs[0] += 1;
        if (!converted.ok) {
          this.skipped.set(converted.runId, { problem: converted.problem, lines: 0, outputs: 0 });
          this.transfer.skipRun(converted.runId);
          continue;
        }
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
      const last = page.at(-1)?.[0];
      await this.turn();
      page = typeof last === 'number' ? this.transfer.runs(last) : [];
    }
  }

  /** The run log, copied inside SQLite a span at a time; lines that are not well formed are reported. */
  private async runLog(): Promise<void> {
    for (const span of this.transfer.spans('run_history')) {
      const n = this.transfer.logLines(span);
      this.report.logLines += n;
      this.progress.logLines[0] += n;
      await this.turn();
    }
    for (const source of this.transfer.malformedLogLines()) {
      const line = checkLogLine(source);
      this.report.problems.add(
        'log',
        typeof line === 'string' ? line : `${line.runId}: a line not well formed`,
      );
    }
    this.progress.logLines[0] = this.progress.logLines[1];
  }

  /** Plain outputs copied inside SQLite; compressed and odd ones checked one by one (checkOutput). */
  private async outputs(): Promise<void> {
    const { report } = this;
    for (const span of this.transfer.spans('output')) {
      const copied = this.transfer.outputs(span);
      if (copied !== null) {
        const { n, stored, bytes } = copied.plain;
        report.outputs += n;
        report.storedBytes += stored;
        report.bytes += bytes;
        if (n > 0) report.compression['uncompressed'] = (report.compression['uncompressed'] ?? 0) + n;
        this.progress.outputs[0] += n;
      }
      for (const source of copied?.others ?? this.transfer.allOutputs(span)) {
        this.progress.outputs[0] += 1;
        this.output(source);
      }
      await this.turn();
    }
    this.progress.outputs[0] = this.progress.outputs[1];
  }

  private output(source: unknown[]): void {
    const { report } = this;
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
    }
  }

  private jobs(): void {
    for (const [jobId, text] of this.transfer.jobs()) {
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
    const clocks = this.transfer.clock();
    const clock = clocks.filter((c): c is number => typeof c === 'number' && Number.isFinite(c));
    if (clock.length === 0)
      report.problems.add('clock', 'Apsis has no clock value: ours starts now, so no run is caught up');
    else {
      if (clocks.length > 1)
        report.problems.add('clock', `Apsis has ${clocks.length} clock rows: the latest is taken`);
      report.clock = Math.max(...clock);
      this.target?.setClock(report.clock);
    }
    this.maxNumber = Math.max(this.maxNumber, this.transfer.maxRunNumber());
    const numbers = this.transfer.nextRunId();
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

  /** Lets the event loop turn, reports progress, stops when aborted. */
  private async turn(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.options.signal?.aborted === true) throw new Interrupted();
    const now = this.options.now();
    // About once a second, and at every tenth of the runs of a large import: a fast one still shows where it is.
    const [done, total] = this.progress.runs;
    const tenth =
      total >= PROGRESS_TENTHS_FROM &&
      Math.floor((done * 10) / total) > Math.floor((this.runsReported * 10) / total);
    if (now - this.lastProgress >= PROGRESS_MS || tenth) this.tellProgress(now);
  }

  private tellProgress(now: number): void {
    this.lastProgress = now;
    this.runsReported = this.progress.runs[0];
    this.options.onProgress?.(this.progress);
  }
}

function count(byKey: Record<string, number>, key: string): void {
  byKey[key] = (byKey[key] ?? 0) + 1;
}
