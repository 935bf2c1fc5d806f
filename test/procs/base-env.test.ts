// The environment jobs start from in the desktop app: Electron's, Chromium's and the AppImage's additions taken out
// (SPEC 6.2: jobs see the same environment as under `apsis serve`).
import { describe, expect, it } from 'vitest';
import { withoutDesktopAdditions } from '../../main/procs/base-env.js';

/** A login session's environment, as `apsis serve` would see it. */
const SESSION = {
  HOME: '/home/ops',
  PATH: '/home/ops/bin:/usr/local/bin:/usr/bin:/bin',
  LANG: 'en_US.UTF-8',
  XDG_CURRENT_DESKTOP: 'ubuntu:GNOME',
  XDG_DATA_DIRS: '/usr/share/ubuntu:/usr/local/share/:/usr/share/:/var/lib/snapd/desktop',
  LD_LIBRARY_PATH: '/opt/oracle/lib',
  TZ: 'America/New_York',
};

const APPDIR = '/tmp/.mount_Apsis-Xq3dZp';

/** What electron-builder's AppRun (26.x) and the AppImage runtime make of `env` before Electron starts. */
function underAppImage(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...env, APPDIR, OWD: '/home/ops' };
  out['APPIMAGE'] = '/home/ops/Apps/Apsis-Console-0.1.0.AppImage';
  out['ARGV0'] = './Apsis-Console-0.1.0.AppImage';
  out['PATH'] = `${APPDIR}:${APPDIR}/usr/sbin${env['PATH'] === undefined ? '' : `:${env['PATH']}`}`;
  const xdg = env['XDG_DATA_DIRS'];
  out['XDG_DATA_DIRS'] =
    `${APPDIR}/usr/share/${xdg === undefined ? '' : `:${xdg}`}:/usr/share/gnome:/usr/local/share/:/usr/share/`;
  const ld = env['LD_LIBRARY_PATH'];
  out['LD_LIBRARY_PATH'] = `${APPDIR}/usr/lib${ld === undefined ? '' : `:${ld}`}`;
  const gs = env['GSETTINGS_SCHEMA_DIR'];
  out['GSETTINGS_SCHEMA_DIR'] = `${APPDIR}/usr/share/glib-2.0/schemas${gs === undefined ? '' : `:${gs}`}`;
  return out;
}

/** What Electron and Chromium add in their own process (init.ts, GTK setup, the SUID sandbox host). */
function underElectron(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...env, CHROME_DESKTOP: 'apsis-console.desktop', NO_AT_BRIDGE: '1' };
  out['ORIGINAL_XDG_CURRENT_DESKTOP'] = env['XDG_CURRENT_DESKTOP'] ?? 'undefined';
  if (/ubuntu/i.test(env['XDG_CURRENT_DESKTOP'] ?? '')) out['XDG_CURRENT_DESKTOP'] = 'Unity';
  out['SBX_CHROME_API_RQ'] = '1';
  if (env['LD_LIBRARY_PATH'] !== undefined) out['SANDBOX_LD_LIBRARY_PATH'] = env['LD_LIBRARY_PATH'];
  out['SANDBOX_TZDIR'] = '';
  out['GIO_LAUNCHED_DESKTOP_FILE'] = '/usr/share/applications/apsis-console.desktop';
  out['GIO_LAUNCHED_DESKTOP_FILE_PID'] = '4242';
  return out;
}

describe('withoutDesktopAdditions', () => {
  it('gives back the session environment from under the deb (Electron and Chromium additions)', () => {
    expect(withoutDesktopAdditions(underElectron(SESSION))).toEqual(SESSION);
  });

  it('gives back the session environment from under the AppImage (AppRun, runtime, Electron)', () => {
    expect(withoutDesktopAdditions(underElectron(underAppImage(SESSION)))).toEqual(SESSION);
  });

  it('removes search paths AppRun created from nothing, and XDG_CURRENT_DESKTOP Electron set from nothing', () => {
    const bare = { HOME: '/home/ops', PATH: '/usr/bin:/bin' };
    const desktop = underElectron(underAppImage(bare));
    expect(desktop['LD_LIBRARY_PATH']).toBe(`${APPDIR}/usr/lib`);
    expect(desktop['ORIGINAL_XDG_CURRENT_DESKTOP']).toBe('undefined');
    expect(withoutDesktopAdditions(desktop)).toEqual(bare);
  });

  it('leaves an environment without additions as it is, empty values included', () => {
    const plain = { ...SESSION, EMPTY: '', XDG_CURRENT_DESKTOP: '' };
    expect(withoutDesktopAdditions(plain)).toEqual(plain);
    expect(withoutDesktopAdditions(underElectron(plain))).toEqual(plain);
  });

  it('touches search paths only under an AppImage, and only their $APPDIR entries', () => {
    // APPDIR alone (a user's own variable, no AppImage): nothing is taken out of PATH.
    const own = { PATH: '/srv/app/bin:/usr/bin', APPDIR: '/srv/app' };
    expect(withoutDesktopAdditions(own)).toEqual(own);
    // Under an AppImage, a PATH without $APPDIR entries (a job folder's settings replaced it) stays whole.
    const replaced = { ...underAppImage(SESSION), PATH: '/usr/bin:/bin' };
    expect(withoutDesktopAdditions(replaced)['PATH']).toBe('/usr/bin:/bin');
    // A directory that merely starts with the same characters is not inside the AppDir.
    const similar = underAppImage({ PATH: `${APPDIR}-other/bin:/usr/bin` });
    expect(withoutDesktopAdditions(similar)['PATH']).toBe(`${APPDIR}-other/bin:/usr/bin`);
  });

  it('drops undefined values and does not change its argument', () => {
    const env = underElectron(SESSION);
    const copy = { ...env };
    expect(withoutDesktopAdditions({ ...env, GONE: undefined })).toEqual(SESSION);
    expect(env).toEqual(copy);
  });
});
