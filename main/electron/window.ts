/**
 * The console window and its security rules (STYLE.md section 3; Electron's security checklist):
 * @see https://www.electronjs.org/docs/latest/tutorial/security
 */
import type { BrowserWindowConstructorOptions } from 'electron';
import { isAllowedExternalUrl, type ExternalOpener } from './external-links.js';
import type { Log } from './log.js';
import { parseUrl } from './urls.js';
import type { SecurableContents } from './ports.js';

/** The custom protocol the renderer is served from (protocol.ts); never file:// nor a remote URL. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'app';
export const APP_INDEX = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** Whether `url` belongs to our app origin `app://app` (no credentials, no port). */
export function isAppUrl(url: string): boolean {
  const parsed = parseUrl(url);
  return (
    parsed !== null &&
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.hostname === APP_HOST &&
    parsed.port === '' &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

/**
 * Options of the console window: context isolation, the sandbox, no Node integration anywhere, default
 * webSecurity, no <webview>, DevTools only when not packaged.
 */
export function windowOptions(paths: { preload: string; icon: string }, devTools: boolean) {
  return {
    width: 1280,
    height: 820,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Apsis Console',
    icon: paths.icon,
    webPreferences: {
      preload: paths.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools,
    },
  } satisfies BrowserWindowConstructorOptions;
}

/** The console window as ConsoleWindow drives it (Electron's BrowserWindow). */
export interface PresentableWindow {
  isDestroyed(): boolean;
  isVisible(): boolean;
  isMinimized(): boolean;
  restore(): void;
  show(): void;
  focus(): void;
  once(event: 'ready-to-show', listener: () => void): unknown;
}

/**
 * The one console window: created on demand (hidden, `show: false`) and put on screen only once its first paint is
 * ready (`ready-to-show`), so it never flashes blank. `show()` before then shows it when ready.
 */
export class ConsoleWindow<W extends PresentableWindow> {
  #win: W | null = null;
  #ready = false;
  #wanted = false;

  constructor(private readonly create: () => W) {}

  /** The window, unless there is none or it was destroyed. */
  get current(): W | null {
    return this.#win !== null && !this.#win.isDestroyed() ? this.#win : null;
  }

  /** Shows, restores and focuses the window, creating it when there is none; one still loading shows when ready. */
  show(): void {
    this.#wanted = true;
    const win = this.current;
    if (win === null) {
      const created = this.create();
      this.#win = created;
      this.#ready = false;
      created.once('ready-to-show', () => {
        if (this.#win === created) this.showAnyway();
      });
    } else if (this.#ready) reveal(win);
  }

  /**
   * Lets the window on screen without waiting for its first paint (which a failed load or a crashed renderer never
   * brings), and shows it now if it was asked for.
   */
  showAnyway(): void {
    this.#ready = true;
    const win = this.current;
    if (win !== null && this.#wanted) reveal(win);
  }

  /** The operator hid the window (closed it while the engine runs on): a show still waiting for paint is dropped. */
  hidden(): void {
    this.#wanted = false;
  }

  /** The window is gone (`closed`). */
  closed(): void {
    this.#win = null;
    this.#ready = false;
  }
}

function reveal(win: PresentableWindow): void {
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

/**
 * The window a dialog is attached to: the console window while it is on screen, otherwise none (the dialog is then
 * a window of its own), so a question never hangs on a hidden window where nobody sees it.
 */
export function dialogParent<W extends { isDestroyed(): boolean; isVisible(): boolean }>(
  win: W | null,
): W | null {
  return win !== null && !win.isDestroyed() && win.isVisible() ? win : null;
}

/**
 * Permissions the console may use: writing text to the clipboard (the copy buttons of the folder view). Every other
 * request (camera, geolocation, notifications from the page, openExternal, ...) is denied.
 */
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/**
 * Locks down our window's webContents: navigation only within the app origin, no new windows (http(s) links go to
 * the confirmed external opener), no <webview>, permissions denied.
 */
export function secureContents(contents: SecurableContents, opener: ExternalOpener, log: Log): void {
  const guard = (event: { preventDefault(): void }, url: string): void => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    log.warn(`blocked navigation to ${JSON.stringify(url.slice(0, 200))}`);
    if (isAllowedExternalUrl(url)) void opener(url);
  };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternalUrl(url)) void opener(url);
    else log.warn(`blocked a new window for ${JSON.stringify(url.slice(0, 200))}`);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log.warn('blocked a <webview>');
  });
  contents.session.setPermissionRequestHandler((_wc, permission, callback) => {
    const granted = ALLOWED_PERMISSIONS.has(permission);
    if (!granted) log.warn(`denied permission ${permission}`);
    callback(granted);
  });
  contents.session.setPermissionCheckHandler((_wc, permission) => ALLOWED_PERMISSIONS.has(permission));
}

/**
 * What to do when Chromium's sandbox is switched off (`--no-sandbox`): a packaged app refuses to run, since the
 * sandbox is part of its security (STYLE.md section 3) and electron-builder's AppImage launcher adds the switch by
 * itself where user namespaces are restricted (Ubuntu 23.10 and later); a development run (`npm run dev`, e.g. as
 * root in a container) only warns. The message names the ways to a working sandbox (docs/desktop.md).
 */
export function sandboxOff(
  noSandbox: boolean,
  packaged: boolean,
): { refuse: string } | { warn: string } | null {
  if (!noSandbox) return null;
  if (!packaged) return { warn: 'running with --no-sandbox: development only, never in a package' };
  return {
    refuse:
      'Apsis Console does not run without the Chromium sandbox, and it was started with --no-sandbox. ' +
      'The AppImage adds that switch by itself where unprivileged user namespaces are restricted ' +
      '(Ubuntu 23.10 and later). Install the .deb package instead (it sets the sandbox up), or allow user ' +
      'namespaces for the AppImage with an AppArmor profile: see "Linux sandbox" in docs/desktop.md.',
  };
}
