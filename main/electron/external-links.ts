/**
 * External links (STYLE.md section 3): the one module that calls `shell.openExternal`. Only http(s) URLs pass the
 * allow-list, and only after the operator confirms; anything else (file:, javascript:, custom schemes) is dropped.
 * @see https://www.electronjs.org/docs/latest/tutorial/security#15-do-not-use-shellopenexternal-with-untrusted-content
 */
import type { Log } from './log.js';
import { parseUrl } from './urls.js';

/** Whether `url` may be handed to the system browser: an absolute http or https URL without credentials. */
export function isAllowedExternalUrl(url: string): boolean {
  const parsed = parseUrl(url);
  return (
    parsed !== null &&
    (parsed.protocol === 'https:' || parsed.protocol === 'http:') &&
    parsed.hostname !== '' &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

export interface ExternalOpenerDeps {
  /** `shell` of Electron: only its openExternal is used. */
  shell: { openExternal(url: string): Promise<void> };
  /** Asks the operator whether to open `url` in the system browser. */
  confirm(url: string): Promise<boolean>;
  log: Log;
}

/** Opens `url` in the system browser when it is allowed and confirmed; resolves with whether it was opened. */
export type ExternalOpener = (url: string) => Promise<boolean>;

export function externalOpener(deps: ExternalOpenerDeps): ExternalOpener {
  return async (url) => {
    if (!isAllowedExternalUrl(url)) {
      deps.log.warn(`refused to open external URL ${JSON.stringify(url.slice(0, 200))}: not http(s)`);
      return false;
    }
    if (!(await deps.confirm(url))) return false;
    try {
      await deps.shell.openExternal(url);
      return true;
    } catch (e) {
      deps.log.error(`opening ${url} failed:`, e);
      return false;
    }
  };
}
