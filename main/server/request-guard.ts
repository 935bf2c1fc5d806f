/**
 * The checks every HTTP request and WebSocket upgrade passes before anything is read or changed (SPEC 15.1): the Host
 * check (DNS rebinding), the cross-origin refusal (any web page the operator opens can send requests to loopback),
 * and the JSON-only body rule (a page cannot send a JSON body without a CORS preflight, which is refused).
 *
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
 *   ("Verifying Origin with standard headers", "Fetch Metadata headers")
 */
import type { IncomingHttpHeaders } from 'node:http';

/** A refusal: the status and the `{error}` message to answer. */
export interface Refusal {
  status: number;
  message: string;
}

/** The `host:port` texts that name this server without a token: loopback names and the address bound. */
export function loopbackHosts(port: number, bound: string): Set<string> {
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  hosts.add(bound.includes(':') ? `[${bound}]:${port}` : `${bound}:${port}`);
  return hosts;
}

/**
 * Why a request from a browser page of another origin is refused, or null when it is not such a request. A request
 * with no `Origin` and no `Sec-Fetch-Site` (the CLI, curl, Apsis's own Python client) passes. `ownHosts` are the
 * `host:port` texts of this server (its own origins are `http://` plus each). A top-level GET navigation to a console
 * page (not `/api/`) passes, so a link to a run in a chat or a wiki opens the console; it reads nothing but the page,
 * and the token cookie is SameSite=Strict.
 */
export function crossOriginRefusal(
  headers: IncomingHttpHeaders,
  method: string,
  path: string,
  ownHosts: ReadonlySet<string>,
): Refusal | null {
  const site = headerText(headers['sec-fetch-site']);
  const origin = headerText(headers['origin']);
  const navigation =
    method === 'GET' &&
    !isApiPath(path) &&
    headerText(headers['sec-fetch-mode']) === 'navigate' &&
    (headerText(headers['sec-fetch-dest']) ?? 'document') === 'document';
  if (navigation && origin === undefined) return null;
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    return { status: 403, message: `cross-origin request refused (Sec-Fetch-Site: ${site})` };
  if (origin !== undefined && !isOwnOrigin(origin, ownHosts))
    return { status: 403, message: `cross-origin request refused (Origin: ${printable(origin)})` };
  return null;
}

/** Whether `origin` is `http://HOST:PORT` for one of this server's own host texts. */
function isOwnOrigin(origin: string, ownHosts: ReadonlySet<string>): boolean {
  if (!origin.startsWith('http://')) return false; // `null`, https, file, chrome-extension ... are other origins
  return ownHosts.has(origin.slice('http://'.length).toLowerCase());
}

/** True for paths of the API (and `/metrics`), which a cross-origin navigation may not read either. */
export function isApiPath(path: string): boolean {
  return path.startsWith('/api/') || path === '/api' || path === '/metrics';
}

/**
 * Why a request's body is refused before it is read, or null: a non-empty body must be `application/json` (415
 * otherwise). A request without a body (no Content-Length or 0, no Transfer-Encoding) passes whatever its type.
 */
export function bodyTypeRefusal(headers: IncomingHttpHeaders): Refusal | null {
  const length = headerText(headers['content-length']);
  const chunked = headers['transfer-encoding'] !== undefined;
  if (!chunked && (length === undefined || /^0+$/.test(length))) return null;
  const type = headerText(headers['content-type']);
  const media = type?.split(';')[0]?.trim().toLowerCase();
  if (media === 'application/json') return null;
  return {
    status: 415,
    message: `a request body must be JSON with Content-Type: application/json (got ${type === undefined ? 'none' : printable(type)})`,
  };
}

function headerText(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}

/** A header value for a message: control characters escaped, cut to 100 characters. */
function printable(text: string): string {
  const cut = text.length > 100 ? `${text.slice(0, 100)}…` : text;
  return JSON.stringify(cut);
}
