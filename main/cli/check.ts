/** `apsis check DIR` (SPEC 18.1). */
import { formatProblem } from '../../shared/model/problem.js';
import { loadSettings } from '../engine/settings-file.js';
import { loadJobFolder } from '../jobs/load-folder.js';
import { hostWarnings } from '../remote/check-hosts.js';
import type { CliIo } from './io.js';
import { parseCommandArgs, UsageError } from './usage.js';
import { requireFolder } from './folder.js';

export function checkCommand(args: string[], io: CliIo): number {
  const { values, positionals } = parseCommandArgs('check', args, {
    'calendars-dir': { type: 'string' },
    config: { type: 'string' },
  });
  if (positionals.length !== 1) throw new UsageError('apsis check: expected one job folder: apsis check DIR');
  const dir = requireFolder('check', positionals[0] as string);
  const calendarsDir = typeof values['calendars-dir'] === 'string' ? values['calendars-dir'] : null;
  const result = loadJobFolder(dir, { now: io.now(), calendarsDir });
  for (const note of result.notes) io.err(`note: ${note}`);
  for (const warning of result.warnings) io.err(formatProblem(warning));
  // Host groups come from the settings (--config FILE, else DIR/.apsis.yaml): a literal host naming none is a warning.
  const configFile = typeof values['config'] === 'string' ? values['config'] : null;
  try {
    const settings = loadSettings(dir, configFile, []);
    for (const warning of hostWarnings(dir, result.jobs.values(), settings.host_groups))
      io.err(formatProblem(warning));
  } catch (e) {
    io.err(`warning: settings not read, so host names are not checked: ${(e as Error).message}`);
  }
  for (const problem of result.problems) io.out(formatProblem(problem));
  const badFiles = new Set(result.problems.map((p) => p.path)).size;
  const n = result.jobs.size;
  if (result.problems.length === 0) {
    io.out(`${n} jobs OK`);
    return 0;
  }
  io.out(`${n} jobs OK, ${badFiles} files with errors`);
  return 1;
}
