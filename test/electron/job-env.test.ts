// A job run by the desktop app sees the environment it sees under `apsis serve` (SPEC 6.2): not Electron's,
// Chromium's or the AppImage's additions to the app's own process environment.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunJson } from '../../shared/model/run.js';
import { App } from '../../main/engine/app.js';
import { SystemClock } from '../../main/engine/clock.js';
import { defaultSettings } from '../../main/engine/settings.js';
import { ConsoleService } from '../../main/service/console-service.js';
import { waitFor } from '../engine/harness.js';
import { jobFolder } from '../helpers/folders.js';
import { appOf, openDesktop, type Desktop } from './desktop-harness.js';

const APPDIR = '/tmp/.mount_Apsis-Xq3dZp';

/** The variables a packaged desktop app's process has on top of the session's (AppImage on Ubuntu). */
function desktopAdditions(env: NodeJS.ProcessEnv): Record<string, string> {
  const prefix = (name: string, first: string): string =>
    env[name] === undefined ? first : `${first}:${env[name]}`;
  return {
    APPDIR,
    APPIMAGE: '/home/ops/Apps/Apsis-Console-0.1.0.AppImage',
    OWD: '/home/ops',
    ARGV0: './Apsis-Console-0.1.0.AppImage',
    PATH: prefix('PATH', `${APPDIR}:${APPDIR}/usr/sbin`),
    LD_LIBRARY_PATH: prefix('LD_LIBRARY_PATH', `${APPDIR}/usr/lib`),
    XDG_DATA_DIRS: `${prefix('XDG_DATA_DIRS', `${APPDIR}/usr/share/`)}:/usr/share/gnome:/usr/local/share/:/usr/share/`,
    GSETTINGS_SCHEMA_DIR: prefix('GSETTINGS_SCHEMA_DIR', `${APPDIR}/usr/share/glib-2.0/schemas`),
    CHROME_DESKTOP: 'apsis-console.desktop',
    ORIGINAL_XDG_CURRENT_DESKTOP: env['XDG_CURRENT_DESKTOP'] ?? 'undefined',
    XDG_CURRENT_DESKTOP: 'Unity',
    NO_AT_BRIDGE: '1',
    SBX_CHROME_API_RQ: '1',
    SANDBOX_TZDIR: '',
    GIO_LAUNCHED_DESKTOP_FILE: '/usr/share/applications/apsis-console.desktop',
    GIO_LAUNCHED_DESKTOP_FILE_PID: '4242',
  };
}

/** The job's environment as it printed it: NAME=value entries, sorted, without the run's own ID. */
function entries(output: unknown): string[] {
  if (typeof output !== 'string') throw new Error(`output is ${typeof output}`);
  return output
    .split('\0')
    .filter((e) => e !== '' && !e.startsWith('APSIS_RUN_ID='))
    .sort();
}

const JOB = { 'printenv.yaml': 'program: {type: program, argv: [/usr/bin/env, "-0"]}\n' };

let desktop: Desktop | undefined;
let saved: NodeJS.ProcessEnv | undefined;
afterEach(async () => {
  if (saved !== undefined) process.env = saved;
  saved = undefined;
  await desktop?.close();
  desktop = undefined;
});

describe('job environment in the desktop app', () => {
  it('is the one the same job sees under the plain engine, whatever Electron and the AppImage added', async () => {
    const folder = jobFolder(JOB);

    // The plain engine, as `apsis serve` runs it, in this process's environment.
    const plain = App.open({
      jobDir: folder,
      dbPath: join(mkdtempSync(join(tmpdir(), 'apsis-db-')), 'apsis.db'),
      settings: defaultSettings(),
      clock: new SystemClock(),
    });
    let served: string[];
    try {
      const service = new ConsoleService(plain);
      const [run] = service.schedule({ job_id: 'printenv', args: {} });
      await waitFor(plain, run?.run_id ?? '', ['success', 'failure', 'error']);
      served = entries(service.outputText(run?.run_id ?? ''));
    } finally {
      await plain.shutdown();
    }
    expect(served).toContain(`PATH=${process.env['PATH']}`);

    // The desktop app's process: the same session environment with the packaged app's additions.
    saved = process.env;
    process.env = { ...saved, ...desktopAdditions(saved) };
    desktop = openDesktop();
    await desktop.host.open(folder);
    const [run] = await desktop.value<RunJson[]>('schedule', [{ job_id: 'printenv', args: {} }]);
    await waitFor(appOf(desktop), run?.run_id ?? '', ['success', 'failure', 'error']);
    const fromDesktop = entries(await desktop.value('output', [run?.run_id]));

    expect(fromDesktop).toEqual(served);
  });
});
