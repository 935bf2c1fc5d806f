/** What an import did (or, with --dry-run, would do), and its text for the terminal (SPEC 18.6). */
import type { SourceCounts } from './transfer.js';

/** How many of one kind, with the first few named. */
export class Tally {
  count = 0;
  readonly examples: string[] = [];

  add(example: string): void {
    this.count += 1;
    if (this.examples.length < Tally.EXAMPLES) this.examples.push(example);
  }

  static readonly EXAMPLES = 10;
}

/** Tallies by kind, listed in the order of `headlines`. */
export class Tallies<K extends string> {
  private readonly byKind = new Map<K, Tally>();

  constructor(private readonly headlines: Record<K, string>) {}

  add(kind: K, example: string): void {
    let tally = this.byKind.get(kind);
    if (tally === undefined) this.byKind.set(kind, (tally = new Tally()));
    tally.add(example);
  }

  get total(): number {
    let n = 0;
    for (const t of this.byKind.values()) n += t.count;
    return n;
  }

  count(kind: K): number {
    return this.byKind.get(kind)?.count ?? 0;
  }

  lines(): string[] {
    const out: string[] = [];
    for (const kind of Object.keys(this.headlines) as K[]) {
      const tally = this.byKind.get(kind);
      if (tally === undefined) continue;
      out.push(`  ${this.headlines[kind]} (${tally.count}):`);
      for (const e of tally.examples) out.push(`    ${e}`);
      if (tally.count > tally.examples.length)
        out.push(`    ... and ${tally.count - tally.examples.length} more`);
    }
    return out;
  }
}

export const NOTE_HEADLINES = {
  running:
    'runs Apsis was running, now in error "imported from Apsis while running; its process is not followed"',
  'cannot-run': 'runs still to run that cannot run in Apsis Console, now in error saying why',
  program:
    'finished runs kept without their program, which has no counterpart here (meta.program shows what ran)',
  condition: 'runs whose conditions were left out, having no counterpart here',
  action:
    'runs whose actions were left out, having no counterpart here (they do not fire when the run is marked)',
  message: "runs with text in Apsis's old `message` column, which is not kept",
  rerun: "runs with Apsis's unused `rerun` column set, which is not kept (the run log names the run rerun)",
};
export type NoteGroup = keyof typeof NOTE_HEADLINES;

export const PROBLEM_HEADLINES = {
  run: 'runs not imported, nor their run-log lines and outputs',
  log: 'run-log lines not imported',
  output: 'outputs not imported',
  'output-kept': 'outputs imported as stored although they do not read back as their length says',
  job: 'ad hoc jobs not imported',
  clock: 'problems with the clock',
  'next-run-id': 'problems with the next run ID',
};
export type ProblemGroup = keyof typeof PROBLEM_HEADLINES;

export interface ImportReport {
  source: string;
  target: string;
  dryRun: boolean;
  /** Rows in Apsis's tables. */
  counts: SourceCounts;
  /** Runs read, by their state in Apsis. */
  apsisStates: Record<string, number>;
  /** Runs imported, by their state as imported. */
  states: Record<string, number>;
  runs: number;
  logLines: number;
  outputs: number;
  /** Bytes of output data as stored (compressed or not), and uncompressed. */
  storedBytes: number;
  bytes: number;
  /** Outputs by compression (`none`, `br`, ...). */
  compression: Record<string, number>;
  /** Outputs written with the error message of runs ended in error by the import. */
  errorOutputs: number;
  jobs: number;
  /** Epoch seconds of the clock as imported; null when Apsis's was unusable and ours was kept. */
  clock: number | null;
  /** The next run number as imported. */
  nextRunNumber: number;
  notes: Tallies<NoteGroup>;
  problems: Tallies<ProblemGroup>;
  seconds: number;
}

/** The report as lines for stdout. */
export function formatReport(r: ImportReport): string[] {
  const c = r.counts;
  const lines = [
    `${r.dryRun ? 'dry run, nothing written: ' : ''}${r.source} holds ${plural(c.runs, 'run')}, ` +
      `${plural(c.logLines, 'run-log line')}, ${plural(c.outputs, 'output')}, ${plural(c.jobs, 'ad hoc job')}`,
    `  runs by state in Apsis: ${listed(r.apsisStates)}`,
    `${r.dryRun ? 'would import' : 'imported'} into ${r.target}: ${plural(r.runs, 'run')}, ` +
      `${plural(r.logLines, 'run-log line')}, ${plural(r.outputs, 'output')} (${r.bytes} bytes, ` +
      `${r.storedBytes} as stored: ${listed(r.compression)}), ${plural(r.jobs, 'ad hoc job')}`,
    `  runs by state ${r.dryRun ? 'once imported' : 'as imported'}: ${listed(r.states)}`,
  ];
  if (r.errorOutputs > 0)
    lines.push(
      `  ${plural(r.errorOutputs, 'output')} added with the message of a run the import ended in error`,
    );
  lines.push(
    `  clock: ${r.clock === null ? 'ours (Apsis had none usable)' : new Date(r.clock * 1000).toISOString()}; ` +
      `next run ID: r${r.nextRunNumber}`,
  );
  if (r.notes.total > 0) lines.push('not carried over as they were:', ...r.notes.lines());
  if (r.problems.total > 0) lines.push('problems:', ...r.problems.lines());
  if (!r.dryRun) {
    lines.push(`done in ${r.seconds.toFixed(1)} s.`);
    if (r.states['scheduled'] !== undefined || r.states['waiting'] !== undefined)
      lines.push(
        'Scheduled and waiting runs go on when apsis serve starts on this database, as after a restart.',
      );
  }
  return lines;
}

/** `1 run`, `2 runs`. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** `success 16, failure 2`, or `none`. */
function listed(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${k} ${n}`).join(', ');
}
