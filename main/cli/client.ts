/** The HTTP client the user CLI commands share (SPEC 18.5): `--url`, `--token`, errors as one line. */
import { errorMessage } from '../../shared/api/http-error.js';
import type { RunCollection, RunJson } from '../../shared/model/run.js';
import { UsageError } from './usage.js';

/** An error answered by the server, or no server at all: exit 1 with the message. */
export class ClientError extends Error {
  override readonly name = 'ClientError';
}

export class ApsisClient {
  constructor(
    readonly url: string,
    private readonly token: string | null,
  ) {}

  /** Client from `--url`/`--token`, else APSIS_URL/APSIS_TOKEN, else http://127.0.0.1:5000. */
  static from(values: Record<string, unknown>): ApsisClient {
    const url =
      (typeof values['url'] === 'string' ? values['url'] : process.env['APSIS_URL']) ??
      'http://127.0.0.1:5000';
    if (!/^https?:\/\//.test(url)) throw new UsageError(`--url '${url}' must start with http:// or https://`);
    const token =
      typeof values['token'] === 'string' ? values['token'] : (process.env['APSIS_TOKEN'] ?? null);
    return new ApsisClient(url.replace(/\/+$/, ''), token === '' ? null : token);
  }

  headers(): Record<string, string> {
    return this.token === null ? {} : { authorization: `Bearer ${this.token}` };
  }

  async request(method: string, path: string, body?: unknown): Promise<Response> {
    let r: Response;
    try {
      r = await fetch(this.url + path, {
        method,
        headers: { ...this.headers(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      throw new ClientError(
        `cannot reach the Apsis server at ${this.url}: ${(e as Error).message} (is apsis serve running? see --url)`,
      );
    }
    if (!r.ok) throw new ClientError(await errorMessage(r));
    return r;
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await (await this.request(method, path, body)).json()) as T;
  }

  async runs(path: string): Promise<RunJson[]> {
    return Object.values((await this.json<RunCollection>('GET', path)).runs);
  }

  /** The WebSocket URL of a stream path. */
  wsUrl(path: string): string {
    const u = new URL(this.url + path);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.token !== null) u.searchParams.set('token', this.token);
    return u.toString();
  }
}
