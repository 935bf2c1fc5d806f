/** `apsis serve DIR [--db FILE] [--host H] [--port N] [--token T] [--config FILE] [-o K=V]...` (SPEC 18.3). */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatProblem } from '../../shared/model/problem.js';
import { App, MaxAgeError } from '../engine/app.js';
import { SystemClock } from '../engine/clock.js';
import { loadSettings, SettingsError } from '../engine/settings-file.js';
import { bindsLoopbackOnly } from '../server/loopback.js';
import { startServer } from '../server/server.js';
import { ConsoleService } from '../service/console-service.js';
import { StoreError } from '../store/store-error.js';
import { requireFolder } from './folder.js';
import type { CliIo } from './io.js';
import { parseCommandArgs, UsageError } from './usage.js';

/** The built console: renderer/dist at the package root (dist/main/cli → ../../../renderer/dist). */
const CONSOLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'renderer', 'dist');

export async function serveCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('serve', args, {
    db: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    token: { type: 'string' },
    config: { type: 'string' },
    o: { type: 'string', short: 'o', multiple: true },
  });
  if (positionals.length !== 1)
    throw new UsageError('apsis serve: expected one job folder: apsis serve DIR [--db FILE] [--port N]');
  const dir = requireFolder('serve', positionals[0] as string);
  const host = typeof values['host'] === 'string' ? values['host'] : '127.0.0.1';
  const portText = typeof values['port'] === 'string' ? values['port'] : '5000';
  if (!/^\d+$/.test(portText) || Number(portText) > 65_535)
    throw new UsageError(`apsis serve: --port '${portText}' is not a port number`);
  const tokenValue =
    typeof values['token'] === 'string' ? values['token'] : (process.env['APSIS_TOKEN'] ?? '');
  const token = tokenValue === '' ? null : tokenValue;
  if (typeof values['token'] === 'string')
    io.err(
      'apsis serve: warning: a --token on the command line can be read by every local user and job ' +
        '(/proc/PID/cmdline); set APSIS_TOKEN instead',
    );
  if (token === null && !(await bindsLoopbackOnly(host)))
    throw new UsageError(
      `apsis serve: --host ${host} is reachable from other machines (or does not resolve to loopback only): ` +
        'give a token in APSIS_TOKEN (or --token T)',
    );
  let settings;
  try {
    settings = loadSettings(
      dir,
      typeof values['config'] === 'string' ? values['config'] : null,
      (values['o'] as string[] | undefined) ?? [],
    );
  } catch (e) {
    if (e instanceof SettingsError) throw new UsageError(`apsis serve: ${e.message}`);
    throw e;
  }
  const dbPath = resolve(typeof values['db'] === 'string' ? values['db'] : 'apsis.db');
  let app: App;
  try {
    app = App.open({ jobDir: dir, dbPath, settings, clock: new SystemClock(), warn: (line) => io.err(line) });
  } catch (e) {
    if (e instanceof MaxAgeError) throw new UsageError(`apsis serve: ${e.message}`);
    if (e instanceof StoreError) {
      io.err(`apsis serve: ${e.message}`);
      return 1;
    }
    throw e;
  }
  for (const problem of app.engine.jobErrors) io.err(formatProblem(problem));

  let stopping: Promise<void> | null = null;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  const shutDown = (): void => {
    stopping ??= (async () => {
      await server.close();
      await app.shutdown();
      resolveDone();
    })();
  };
  await app.warm(); // the launch machinery is ready before `listening`: the first runs are on time
  const service = new ConsoleService(app, shutDown);
  const server = await startServer(service, {
    host,
    port: Number(portText),
    token,
    consoleDir: CONSOLE_DIR,
  });
  process.once('SIGTERM', shutDown);
  process.once('SIGINT', shutDown);
  io.out(`listening on ${server.url}`);
  await io.flushNow?.();
  await done;
  return 0;
}
