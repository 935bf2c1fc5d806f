/**
 * Reading Apsis's tables through a connection they are attached to as `apsis`, and copying the rows that need no
 * mapping (run log, uncompressed outputs) inside SQLite. A million runs have millions of log lines: copied by
 * `INSERT ... SELECT` they never cross into JavaScript, where each value would be decoded and encoded again. Rows
 * that fail the shape checks written into the SQL are read back one by one for the report; so are compressed
 * outputs, whose data is checked by decompressing it. In a dry run the same statements count instead of copy.
 *
 * The attachment is a second, writable handle on Apsis's file: it only reads, and the read-only connection of
 * ApsisDb stays open until it is gone, so this handle is never the last one and never checkpoints Apsis's WAL.
 */
import type Database from 'better-sqlite3';

/** Rows in each of Apsis's tables. */
export interface SourceCounts {
  runs: number;
  logLines: number;
  outputs: number;
  jobs: number;
}

/** Rows of Apsis's run log handed to SQLite at once: about a tenth of a second each. */
const LOG_CHUNK = 50_000;
const OUTPUT_CHUNK = 5_000;
const RUN_PAGE = 1_000;

/** A log line or output whose run was not imported is left out; the `skipped` temp table lists those runs. */
const NOT_SKIPPED = 'run_id NOT IN (SELECT run_id FROM temp.skipped)';
const LOG_SHAPE =
  "typeof(run_id) = 'text' AND typeof(timestamp) IN ('integer', 'real') AND typeof(message) = 'text'";
/** Outputs copied inside SQLite: uncompressed, well formed, and as long as they say. */
const PLAIN_OUTPUT =
  "compression IS NULL AND typeof(run_id) = 'text' AND typeof(output_id) = 'text' AND output_id <> '' " +
  "AND typeof(name) = 'text' AND typeof(content_type) = 'text' AND typeof(length) = 'integer' " +
  "AND typeof(data) = 'blob' AND length(data) = length";
const OUTPUT_COLUMNS = 'run_id, output_id, name, content_type, length, compression, data';
/** Run IDs of the form `r<N>` (N from 1, no leading zero), whose N is the run number. */
const RUN_ID_FORM = "run_id GLOB 'r[1-9]*' AND run_id NOT GLOB 'r*[^0-9]*'";

export interface Span {
  lo: number;
  hi: number;
}

export class Transfer {
  private readonly page: Database.Statement<[number], unknown[]>;
  private readonly skip: Database.Statement<[string]>;
  /** Null in a dry run, whose connection has no tables of ours. */
  private readonly logCopy: Database.Statement<[number, number]> | null;
  private readonly logCount: Database.Statement<[number, number], number>;
  private readonly outputCopy: Database.Statement<[number, number]> | null;
  private readonly outputCount: Database.Statement<
    [number, number],
    { n: number; stored: number; bytes: number }
  >;
  private readonly outputOthers: Database.Statement<[number, number], unknown[]>;

  /**
   * `db` has Apsis's database attached as `apsis`, with ApsisDb's `tables` and `runColumns`; `write` copies into
   * its main tables, else only counts. Reads see one moment of Apsis's database when made in one transaction.
   */
  constructor(
    private readonly db: Database.Database,
    private readonly tables: ReadonlySet<string>,
    runColumns: string,
    write: boolean,
  ) {
    db.exec('CREATE TEMP TABLE IF NOT EXISTS skipped (run_id TEXT PRIMARY KEY)');
    this.page = db
      .prepare<[number], unknown[]>(
        `SELECT ${runColumns} FROM apsis.runs WHERE rowid > ? ORDER BY rowid LIMIT ${RUN_PAGE}`,
      )
      .raw();
    this.skip = db.prepare('INSERT OR IGNORE INTO temp.skipped (run_id) VALUES (?)');
    const logRows = `FROM apsis.run_history WHERE rowid BETWEEN ? AND ? AND ${LOG_SHAPE} AND ${NOT_SKIPPED}`;
    this.logCopy = !write
      ? null
      : db.prepare(
          `INSERT INTO main.run_history (run_id, timestamp, message) SELECT run_id, timestamp, message ${logRows} ORDER BY rowid`,
        );
    this.logCount = db.prepare<[number, number], number>(`SELECT COUNT(*) ${logRows}`).pluck();
    const plainRows = `FROM apsis.output WHERE rowid BETWEEN ? AND ? AND ${PLAIN_OUTPUT} AND ${NOT_SKIPPED}`;
    this.outputCopy = !write
      ? null
      : db.prepare(
          `INSERT INTO main.output (${OUTPUT_COLUMNS}) SELECT ${OUTPUT_COLUMNS} ${plainRows} ORDER BY rowid`,
        );
    this.outputCount = db.prepare(
      `SELECT COUNT(*) AS n, IFNULL(SUM(length(data)), 0) AS stored, IFNULL(SUM(length), 0) AS bytes ${plainRows}`,
    );
    this.outputOthers = db
      .prepare<[number, number], unknown[]>(
        `SELECT ${OUTPUT_COLUMNS} FROM apsis.output WHERE rowid BETWEEN ? AND ? AND NOT (${PLAIN_OUTPUT}) ORDER BY rowid`,
      )
      .raw();
  }

  /** A read transaction for a dry run (an import reads in its write transaction): one moment of Apsis's tables. */
  beginRead(): void {
    this.db.exec('BEGIN');
  }

  endRead(): void {
    this.db.exec('COMMIT');
  }

  /** Rows in Apsis's tables. */
  counts(): SourceCounts {
    const count = (table: string): number =>
      this.tables.has(table)
        ? (this.db.prepare<[], number>(`SELECT COUNT(*) FROM apsis.${table}`).pluck().get() ?? 0)
        : 0;
    return {
      runs: count('runs'),
      logLines: count('run_history'),
      outputs: count('output'),
      jobs: count('jobs'),
    };
  }

  /** Rows of `jobs` (ad hoc jobs): job_id, job. None when the table is missing. */
  jobs(): unknown[][] {
    if (!this.tables.has('jobs')) return [];
    return this.db.prepare<[], unknown[]>('SELECT job_id, job FROM apsis.jobs ORDER BY rowid').raw().all();
  }

  /** The values of `clock` (Apsis keeps one row: epoch seconds). */
  clock(): unknown[] {
    return this.db.prepare<[], unknown>('SELECT time FROM apsis.clock').pluck().all();
  }

  /** The values of `next_run_id` (one row); none when the table is missing (older Apsis databases). */
  nextRunId(): unknown[] {
    if (!this.tables.has('next_run_id')) return [];
    return this.db.prepare<[], unknown>('SELECT number FROM apsis.next_run_id').pluck().all();
  }

  /** The next page of `runs` rows after rowid `after`, as ApsisDb.runColumns. */
  runs(after: number): unknown[][] {
    return this.page.all(after);
  }

  /** Marks a run as not imported: its log lines and outputs stay out. */
  skipRun(runId: string): void {
    this.skip.run(runId);
  }

  /** Rowid spans of `table` to take one at a time. */
  spans(table: 'run_history' | 'output'): Span[] {
    const { lo, hi } = this.db
      .prepare<[], { lo: number | null; hi: number | null }>(
        `SELECT MIN(rowid) AS lo, MAX(rowid) AS hi FROM apsis.${table}`,
      )
      .get() ?? { lo: null, hi: null };
    if (lo === null || hi === null) return [];
    const size = table === 'run_history' ? LOG_CHUNK : OUTPUT_CHUNK;
    const spans: Span[] = [];
    for (let start = lo; start <= hi; start += size)
      spans.push({ lo: start, hi: Math.min(hi, start + size - 1) });
    return spans;
  }

  /** Copies (or counts) the well-formed log lines of a span; returns how many. */
  logLines({ lo, hi }: Span): number {
    return this.logCopy !== null ? this.logCopy.run(lo, hi).changes : (this.logCount.get(lo, hi) ?? 0);
  }

  /** Log lines that are not well formed, for the report: run_id, timestamp, message. */
  malformedLogLines(): unknown[][] {
    return this.db
      .prepare<[], unknown[]>(
        `SELECT run_id, timestamp, message FROM apsis.run_history WHERE NOT (${LOG_SHAPE}) ORDER BY rowid`,
      )
      .raw()
      .all();
  }

  /** Well-formed log lines and outputs of runs not imported, per run. */
  leftOut(): { runId: string; lines: number; outputs: number }[] {
    return this.db
      .prepare<[], { runId: string; lines: number; outputs: number }>(
        `SELECT s.run_id AS runId,
           (SELECT COUNT(*) FROM apsis.run_history h WHERE h.run_id = s.run_id AND ${LOG_SHAPE}) AS lines,
           (SELECT COUNT(*) FROM apsis.output o WHERE o.run_id = s.run_id AND ${PLAIN_OUTPUT}) AS outputs
         FROM temp.skipped s`,
      )
      .all();
  }

  /**
   * Copies (or counts) the plain outputs of a span, and returns them counted with their bytes, plus the other rows
   * of the span (compressed, or not well formed) for checkOutput(). Null when a copy hit a constraint (a second
   * output of the same key, in a file without Apsis's primary key): then nothing of the span was copied and every
   * row of it must go through checkOutput().
   */
  outputs(span: Span): { plain: { n: number; stored: number; bytes: number }; others: unknown[][] } | null {
    const plain = this.outputCount.get(span.lo, span.hi) ?? { n: 0, stored: 0, bytes: 0 };
    if (this.outputCopy !== null) {
      try {
        this.outputCopy.run(span.lo, span.hi);
      } catch (e) {
        if ((e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return null;
        throw e;
      }
    }
    return { plain, others: this.outputOthers.all(span.lo, span.hi) };
  }

  /** Every output row of a span, for checkOutput() (after outputs() returned null). */
  allOutputs({ lo, hi }: Span): unknown[][] {
    return this.db
      .prepare<[number, number], unknown[]>(
        `SELECT ${OUTPUT_COLUMNS} FROM apsis.output WHERE rowid BETWEEN ? AND ? ORDER BY rowid`,
      )
      .raw()
      .all(lo, hi);
  }

  /** Whether Apsis has an output `output` for the run (a dry run's stand-in for Target.errorOutput). */
  hasOutput(runId: string): boolean {
    return (
      this.db
        .prepare<[string], number>("SELECT 1 FROM apsis.output WHERE run_id = ? AND output_id = 'output'")
        .pluck()
        .get(runId) !== undefined
    );
  }

  /** The highest run number among the run IDs of the log and the outputs (0 for none). */
  maxRunNumber(): number {
    let max = 0;
    for (const table of ['apsis.run_history', 'apsis.output']) {
      const n = this.db
        .prepare<[], number | null>(
          `SELECT MAX(CAST(substr(run_id, 2) AS INTEGER)) FROM ${table} WHERE ${RUN_ID_FORM}`,
        )
        .pluck()
        .get();
      if (typeof n === 'number' && Number.isSafeInteger(n) && n > max) max = n;
    }
    return max;
  }
}
