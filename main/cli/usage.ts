/** Command-line usage errors: one line on stderr and exit status 2 (SPEC 18), never a stack trace. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage: apsis <command> [options]
commands:
  check DIR [--config FILE]                   check the job files of DIR (host groups from the settings)
  plan DIR --from TIME --to TIME [--json]     list the runs the schedules create in [from, to)
  serve DIR [--db FILE] [--host H] [--port N] [--token T] [--config FILE] [-o KEY=VALUE]...
  stats-csv --db FILE [--from TIME] [--to TIME] [--out FILE]
  import-apsis-db APSIS_DB --db FILE [--dry-run]   copy an Apsis database's runs into ours
client commands (--url URL, default APSIS_URL or http://127.0.0.1:5000; --token T; --json):
  jobs [--label L] | job JOB | runs [-j JOB] [-s STATE] [--since TIME] [ARG=VAL...] | run RUN...
  schedule [--count N] [--stop TIME|DURATION] TIME JOB [NAME=VAL...]   (TIME: now, +DURATION, ISO time, HH:MM[:SS])
  start RUN... | skip RUN... | stop RUN... | rerun RUN... | signal SIG RUN... | mark STATE RUN...
  output RUN [-f] [--raw] | watch RUN | reload [--dry-run] | shut-down
  output writes the run's bytes as they are to a pipe or a file; on a terminal it shows control characters
  escaped (\\x1b) unless --raw. Every other text from the server is shown with control characters escaped.`;

/** node:util parseArgs with errors turned into one-line usage errors. */
export function parseCommandArgs<T extends ParseArgsConfig['options']>(
  command: string,
  args: string[],
  options: T,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: options ?? {},
      allowPositionals: true,
      strict: true,
    });
    return { values, positionals };
  } catch (e) {
    const message = (e as Error).message.split('\n')[0] ?? 'bad arguments';
    throw new UsageError(
      `apsis ${command}: ${message.replace(/\. To specify a positional argument.*$/, '')}`,
    );
  }
}
