/**
 * The `app://app/` protocol serving the built console (renderer/dist) to the window, with the strict CSP of the
 * headless server and a path-containment check: nothing outside the console folder is ever read.
 * @see https://www.electronjs.org/docs/latest/tutorial/security#18-avoid-usage-of-the-file-protocol-and-prefer-usage-of-custom-protocols
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { CONTENT_TYPES as TYPES, CSP } from '../server/static.js';
import { APP_SCHEME } from './window.js';

/** Headers of every answer, errors included. */
const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** The privileges `app` is registered with before the app is ready (a standard, secure scheme with fetch). */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true },
};

/**
 * The file under `root` that `url` names, or null when the URL is not ours or its path leaves `root` (`..`,
 * encoded separators, NUL). `/` is index.html.
 */
export function fileForUrl(root: string, url: string): string | null {
  let parsed: URL;
  let path: string;
  try {
    parsed = new URL(url);
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.hostname !== 'app') return null;
  if (path.includes('\u0000')) return null;
  const base = resolve(root);
  const full = normalize(join(base, path === '/' ? 'index.html' : path));
  return full.startsWith(base.endsWith(sep) ? base : base + sep) ? full : null;
}

/** The handler of protocol.handle('app', ...): GET files of `root` with the CSP; 404 for anything else. */
export function appProtocolHandler(
  root: string,
): (request: { url: string; method: string }) => Promise<Response> {
  const answer = (status: number, text: string): Response =>
    new Response(text, {
      status,
      headers: { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' },
    });
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(405, 'method not allowed');
    const file = fileForUrl(root, request.url);
    if (file === null) return answer(404, 'not found');
    try {
      if (!(await stat(file)).isFile()) return answer(404, 'not found');
      const body = request.method === 'HEAD' ? null : await readFile(file);
      return new Response(body, {
        status: 200,
        headers: { ...SECURITY_HEADERS, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' },
      });
    } catch {
      return answer(404, 'not found');
    }
  };
}
