/** `apsis import-apsis-db APSIS_DB --db FILE [--dry-run]` (SPEC 18.6): Apsis's history into our database. */
import { importApsisDb, type Progress } from '../import/importer.js';
import { formatReport } from '../import/report.js';
import type { CliIo } from './io.js';
import { parseCommandArgs, UsageError } from './usage.js';

const USAGE = 'apsis import-apsis-db APSIS_DB --db FILE [--dry-run]';

/** Exit status after an interrupt (128 + SIGINT), as shells report one. */
const INTERRUPTED = 130;

/** Where interrupts come from: the process, or a test's emitter. */
export interface Interrupts {
  once(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

export async function importApsisDbCommand(
  args: string[],
  io: CliIo,
  interrupts: Interrupts = process,
): Promise<number> {
  const { values, positionals } = parseCommandArgs('import-apsis-db', args, {
    db: { type: 'string' },
    'dry-run': { type: 'boolean' },
  });
  if (positionals.length !== 1)
    throw new UsageError(`apsis import-apsis-db: expected one Apsis database file: ${USAGE}`);
  const source = positionals[0] as string;
  const target = values['db'];
  if (typeof target !== 'string' || target === '')
    throw new UsageError(`apsis import-apsis-db: --db FILE (Apsis Console's database) is required: ${USAGE}`);
  const dryRun = values['dry-run'] === true;

  // The first Ctrl-C rolls back at the next chunk; a second one finds no listener and ends the process at once,
  // which SQLite's atomic commit also survives: the transaction is never half there.
  const controller = new AbortController();
  const interrupt = (): void => {
    io.err('apsis import-apsis-db: interrupted; rolling back (Ctrl-C again to stop at once)');
    controller.abort();
  };
  interrupts.once('SIGINT', interrupt);
  interrupts.once('SIGTERM', interrupt);
  try {
    const outcome = await importApsisDb({
      source,
      target,
      dryRun,
      now: () => io.now(),
      signal: controller.signal,
      onProgress: (p) => io.err(`apsis import-apsis-db: ${progressLine(p)}`),
    });
    if (!outcome.ok) {
      io.err(`apsis import-apsis-db: ${outcome.message}`);
      return outcome.interrupted ? INTERRUPTED : 1;
    }
    for (const line of formatReport(outcome.report)) io.out(line);
    return outcome.report.problems.total > 0 ? 1 : 0;
  } finally {
    interrupts.off('SIGINT', interrupt);
    interrupts.off('SIGTERM', interrupt);
  }
}

function progressLine(p: Progress): string {
  const part = ([done, total]: [number, number], what: string): string => `${what} ${done}/${total}`;
  const parts = [part(p.runs, 'runs'), part(p.logLines, 'run-log lines'), part(p.outputs, 'outputs')];
  if (p.indexes[1] > 0) parts.push(part(p.indexes, 'indexes built'));
  return parts.join(', ');
}
