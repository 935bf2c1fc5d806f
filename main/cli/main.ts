/** The `apsis` command line (SPEC 18). Exit status: 0 success, 1 problems found or operation failed, 2 bad usage. */
import { checkCommand } from './check.js';
import { ClientError } from './client.js';
import { CLIENT_COMMANDS } from './client-commands.js';
import { importApsisDbCommand } from './import-apsis-db.js';
import { processIo, type CliIo } from './io.js';
import { planCommand } from './plan.js';
import { serveCommand } from './serve.js';
import { statsCsvCommand } from './stats-csv.js';
import { escapeControls } from './terminal-text.js';
import { USAGE, UsageError } from './usage.js';

type Command = (args: string[], io: CliIo) => number | Promise<number>;

const COMMANDS: Record<string, Command> = {
  check: checkCommand,
  plan: planCommand,
  serve: serveCommand,
  'stats-csv': statsCsvCommand,
  'import-apsis-db': (args, io) => importApsisDbCommand(args, io),
  ...CLIENT_COMMANDS,
};

/** Runs one CLI invocation with `io`; returns the exit status. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === undefined) io.err(USAGE);
    else io.out(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  try {
    if (command === undefined)
      throw new UsageError(
        `apsis: unknown command '${name}'; commands: ${Object.keys(COMMANDS).join(', ')} (apsis --help)`,
      );
    return await command(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(e.message);
      return 2;
    }
    if (e instanceof ClientError) {
      // The message may quote the server (its `{error}` text): shown with control characters escaped.
      io.err(escapeControls(`apsis ${name}: ${e.message}`));
      return 1;
    }
    throw e;
  }
}

/** Entry point of bin/apsis. */
export async function main(argv: string[]): Promise<number> {
  const io = processIo();
  try {
    return await run(argv, io);
  } catch (e) {
    // A bug: still one clear line, with the detail for a report.
    io.err(`apsis: internal error: ${(e as Error).stack ?? String(e)}`);
    return 1;
  } finally {
    await io.flush();
  }
}
