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
