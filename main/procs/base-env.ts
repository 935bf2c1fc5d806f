/**
 * The environment jobs start from (SPEC 6.2: the engine's environment plus APSIS_RUN_ID and APSIS_JOB_ID). Under
 * `apsis serve` that is the server's own environment. The desktop app's process has variables added or changed by
 * Electron, Chromium and the AppImage launcher; `withoutDesktopAdditions` takes them out again, so a job sees the
 * same environment in both modes.
 */

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Set by Electron and Chromium in their own process, for their own use:
 * - CHROME_DESKTOP: `app.setDesktopName` (Electron sets it at start from package.json `desktopName`);
 * - NO_AT_BRIDGE: Chromium's GTK setup, before GTK starts (cleared again only when accessibility is turned on);
 * - SBX_CHROME_API_RQ: Chromium's SUID sandbox host, when it starts the chrome-sandbox helper.
 * Set by the desktop session for this launch only: the desktop entry that started the app (GLib) and the
 * startup-notification / activation tokens meant for this app's first window.
 */
const ADDED = [
  'CHROME_DESKTOP',
  'NO_AT_BRIDGE',
  'SBX_CHROME_API_RQ',
  'GIO_LAUNCHED_DESKTOP_FILE',
  'GIO_LAUNCHED_DESKTOP_FILE_PID',
  'DESKTOP_STARTUP_ID',
  'XDG_ACTIVATION_TOKEN',
];

/**
 * Chromium's SUID sandbox host saves these under `SANDBOX_<name>` in its own environment before starting the
 * setuid helper (the loader clears them for a setuid program): sandbox/linux/suid/common/
 * suid_unsafe_environment_variables.h.
 */
const SUID_SAVED = [
  'LD_AOUT_LIBRARY_PATH',
  'LD_AOUT_PRELOAD',
  'GCONV_PATH',
  'GETCONF_DIR',
  'HOSTALIASES',
  'LD_AUDIT',
  'LD_DEBUG',
  'LD_DEBUG_OUTPUT',
  'LD_DYNAMIC_WEAK',
  'LD_LIBRARY_PATH',
  'LD_ORIGIN_PATH',
  'LD_PRELOAD',
  'LD_PROFILE',
  'LD_SHOW_AUXV',
  'LD_USE_LOAD_BIAS',
  'LOCALDOMAIN',
  'LOCPATH',
  'MALLOC_TRACE',
  'NIS_PATH',
  'NLSPATH',
  'RESOLV_HOST_CONF',
  'RES_OPTIONS',
  'TMPDIR',
  'TZDIR',
].map((name) => `SANDBOX_${name}`);

/** Set by the AppImage runtime: the mounted image, the image file, the caller's directory and argv[0]. */
const APPIMAGE_VARS = ['APPDIR', 'APPIMAGE', 'OWD', 'ARGV0'];

/** Search paths electron-builder's AppRun prepends `$APPDIR` entries to. */
const APPDIR_LISTS = ['PATH', 'LD_LIBRARY_PATH', 'XDG_DATA_DIRS', 'GSETTINGS_SCHEMA_DIR'];

/** What electron-builder's AppRun (26.x) appends to XDG_DATA_DIRS after the caller's value. */
const APPRUN_XDG_DATA_TAIL = ['/usr/share/gnome', '/usr/local/share/', '/usr/share/'];

/**
 * `env` without the desktop app's additions: the variables above removed, XDG_CURRENT_DESKTOP as it was before
 * Electron changed it (Electron keeps the caller's value in ORIGINAL_XDG_CURRENT_DESKTOP, the string "undefined"
 * when there was none), and under an AppImage (APPDIR and APPIMAGE set) the AppImage's variables removed and the
 * `$APPDIR` entries and AppRun's defaults taken out of the search paths (a path left empty is removed). Pure.
 */
export function withoutDesktopAdditions(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  for (const name of [...ADDED, ...SUID_SAVED]) delete out[name];

  const original = out['ORIGINAL_XDG_CURRENT_DESKTOP'];
  if (original !== undefined) {
    if (original === 'undefined') delete out['XDG_CURRENT_DESKTOP'];
    else out['XDG_CURRENT_DESKTOP'] = original;
    delete out['ORIGINAL_XDG_CURRENT_DESKTOP'];
  }

  const appDir = out['APPDIR'];
  if (appDir !== undefined && appDir.startsWith('/') && out['APPIMAGE'] !== undefined) {
    const root = appDir.replace(/\/+$/, '');
    const inside = (entry: string): boolean => entry === root || entry.startsWith(`${root}/`);
    for (const name of APPDIR_LISTS) {
      const value = out[name];
      if (value === undefined) continue;
      const entries = value.split(':');
      if (!entries.some(inside)) continue; // not changed by AppRun: left as it is
      let kept = entries.filter((e) => !inside(e));
      if (name === 'XDG_DATA_DIRS' && endsWith(kept, APPRUN_XDG_DATA_TAIL))
        kept = kept.slice(0, kept.length - APPRUN_XDG_DATA_TAIL.length);
      if (kept.length === 0) delete out[name];
      else out[name] = kept.join(':');
    }
    for (const name of APPIMAGE_VARS) delete out[name];
  }
  return out;
}

function endsWith(list: string[], tail: string[]): boolean {
  if (list.length < tail.length) return false;
  return tail.every((t, i) => list[list.length - tail.length + i] === t);
}
