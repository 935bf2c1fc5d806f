/**
 * The HTTP and WebSocket client the user CLI commands share (SPEC 18.5): `--url`, `--token`, errors as one line.
 * It trusts nothing the server sends (issue 15 item 8): every wait has a deadline, every reply a size limit, and a
 * JSON reply is checked against the shape the command needs before use.
 */
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { OUTPUT_CAP } from '../engine/outputs.js';
import { JsonTextCounter, ShapeError, type Shape } from './replies.js';
import { UsageError } from './usage.js';

/** An error answered by the server, or no server at all: exit 1 with the message. */
export class ClientError extends Error {
  override readonly name = 'ClientError';
}

const MiB = 1024 * 1024;

/** How long the client waits and how much it reads. */
export interface ClientLimits {
  /** Deadline of an HTTP request with a JSON reply, body included; also of the headers of an output (ms). */
  requestMs: number;
  /** Longest pause between two chunks of a streamed output (ms). */
  idleMs: number;
  /** Most bytes of a JSON reply read. */
  maxJsonBytes: number;
  /** Most bytes of an error reply read (its `{error}` message). */
  maxErrorBytes: number;
  /** Deadline of a WebSocket handshake (ms). */
  handshakeMs: number;
  /** Largest WebSocket message taken. */
  maxFrameBytes: number;
  /** Interval of the WebSocket liveness pings (ms); the stream fails after two go unanswered. */
  pingMs: number;
}

export const DEFAULT_LIMITS: ClientLimits = {
  requestMs: 30_000,
  idleMs: 30_000,
  maxJsonBytes: 64 * MiB,
  maxErrorBytes: 64 * 1024,
  handshakeMs: 10_000,
  // The engine keeps up to OUTPUT_CAP bytes of a run's output and sends them as one frame, with a header and a note.
  maxFrameBytes: OUTPUT_CAP + MiB,
  pingMs: 15_000,
};

/** Pings without a pong (and no message) after which a stream is given up. */
const MISSED_PONGS = 2;

const seconds = (ms: number): string => `${ms / 1000} s`;
const mib = (bytes: number): string => (bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes} bytes`);

/** What a stream's frame handler decides: go on (undefined) or end the stream with a value. */
export type FrameHandler<T> = (data: Buffer, isBinary: boolean) => T | undefined | Promise<T | undefined>;

export class ApsisClient {
  constructor(
    readonly url: string,
    private readonly token: string | null,
    readonly limits: ClientLimits = DEFAULT_LIMITS,
  ) {}

  /** Client from `--url`/`--token`, else APSIS_URL/APSIS_TOKEN, else http://127.0.0.1:5000. */
  static from(values: Record<string, unknown>, limits: Partial<ClientLimits> = {}): ApsisClient {
    const url =
      (typeof values['url'] === 'string' ? values['url'] : process.env['APSIS_URL']) ??
      'http://127.0.0.1:5000';
    if (!/^https?:\/\//.test(url)) throw new UsageError(`--url '${url}' must start with http:// or https://`);
    const token =
      typeof values['token'] === 'string' ? values['token'] : (process.env['APSIS_TOKEN'] ?? null);
    return new ApsisClient(url.replace(/\/+$/, ''), token === '' ? null : token, {
      ...DEFAULT_LIMITS,
      ...limits,
    });
  }

  headers(): Record<string, string> {
    return this.token === null ? {} : { authorization: `Bearer ${this.token}` };
  }

  private unexpected(what: string): ClientError {
    return new ClientError(`unexpected reply from ${this.url}: ${what}`);
  }

  /**
   * Sends a request and answers its successful response, read by `read` within the request deadline (`whole`) or
   * with only the headers under it (a streamed output then has its own idle deadline). A failure status is a
   * ClientError with the server's `{error}` message.
   */
  private async send<T>(
    method: string,
    path: string,
    body: unknown,
    whole: boolean,
    read: (r: Response, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.limits.requestMs);
    try {
      let r: Response;
      try {
        r = await fetch(this.url + path, {
          method,
          headers: {
            ...this.headers(),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          // The API never redirects: a redirect is another server's answer, and must not carry the token on.
          redirect: 'manual',
          signal: controller.signal,
        });
      } catch (e) {
        if (controller.signal.aborted)
          throw new ClientError(`no answer from ${this.url} within ${seconds(this.limits.requestMs)}`);
        throw new ClientError(
          `cannot reach the Apsis server at ${this.url}: ${causeOf(e)} (is apsis serve running? see --url)`,
        );
      }
      if (r.status >= 300 && r.status < 400) {
        await r.body?.cancel().catch(() => {});
        throw this.unexpected(`a redirect (${r.status}); check --url`);
      }
      if (!r.ok) throw new ClientError(await this.failure(r, controller.signal));
      if (!whole) clearTimeout(timer);
      return await read(r, controller.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The `{error}` message of a failed reply (read up to maxErrorBytes), else its status line. */
  private async failure(r: Response, signal: AbortSignal): Promise<string> {
    const status = `${r.status}${r.statusText === '' ? '' : ` ${r.statusText}`}`;
    let text: string;
    try {
      text = new TextDecoder().decode(await this.readAll(r, this.limits.maxErrorBytes, signal));
    } catch {
      return `${status} (from ${this.url})`;
    }
    try {
      const j = JSON.parse(text) as { error?: unknown };
      if (typeof j.error === 'string') return j.error;
    } catch {
      // not JSON: the status line says it
    }
    return `${status} (from ${this.url})`;
  }

  /**
   * Feeds the body of `r` to `onChunk` as it arrives; a ClientError when it stalls for `idleMs` (when given), when
   * the request deadline passes, or when the connection breaks.
   */
  private async readChunks(
    r: Response,
    signal: AbortSignal,
    onChunk: (chunk: Uint8Array) => void | Promise<void>,
    idleMs?: number,
  ): Promise<void> {
    if (r.body === null) return;
    const reader = r.body.getReader();
    let finished = false;
    try {
      for (;;) {
        let next: { done: boolean; value?: Uint8Array };
        let idle: NodeJS.Timeout | undefined;
        try {
          next = await new Promise<{ done: boolean; value?: Uint8Array }>((resolve, reject) => {
            if (idleMs !== undefined)
              idle = setTimeout(
                () =>
                  reject(
                    new ClientError(`the reply from ${this.url} stalled: nothing for ${seconds(idleMs)}`),
                  ),
                idleMs,
              );
            reader.read().then(resolve, reject);
          });
        } catch (e) {
          if (e instanceof ClientError) throw e;
          if (signal.aborted)
            throw new ClientError(
              `no complete reply from ${this.url} within ${seconds(this.limits.requestMs)}`,
            );
          throw new ClientError(`the reply from ${this.url} broke off: ${causeOf(e)}`);
        } finally {
          clearTimeout(idle);
        }
        if (next.done || next.value === undefined) {
          finished = next.done;
          if (finished) return;
          continue;
        }
        await onChunk(next.value);
      }
    } finally {
      if (!finished) await reader.cancel().catch(() => {});
    }
  }

  /**
   * The whole body of `r`, at most `limit` bytes (a ClientError naming the limit past it), each chunk seen by
   * `inspect` as it arrives.
   */
  private async readAll(
    r: Response,
    limit: number,
    signal: AbortSignal,
    inspect?: (chunk: Uint8Array) => void,
  ): Promise<Buffer> {
    const declared = Number(r.headers.get('content-length'));
    if (declared > limit) {
      await r.body?.cancel().catch(() => {});
      throw this.unexpected(`the reply is ${declared} bytes, over the ${mib(limit)} limit`);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    await this.readChunks(r, signal, (chunk) => {
      size += chunk.length;
      if (size > limit) throw this.unexpected(`the reply is over the ${mib(limit)} limit`);
      inspect?.(chunk);
      chunks.push(chunk);
    });
    return Buffer.concat(chunks, size);
  }

  /** Sends a request and answers its JSON reply checked against `shape`. */
  async json<T>(method: string, path: string, shape: Shape<T>, body?: unknown): Promise<T> {
    return this.send(method, path, body, true, async (r, signal) => {
      // Counted as it arrives: JSON.parse multiplies memory, and a reply of tiny objects is refused early.
      const counter = new JsonTextCounter();
      const bytes = await this.readAll(r, this.limits.maxJsonBytes, signal, (chunk) => {
        try {
          counter.push(chunk);
        } catch (e) {
          throw e instanceof ShapeError ? this.unexpected(e.message) : e;
        }
      });
      let value: unknown;
      try {
        value = JSON.parse(new TextDecoder().decode(bytes));
      } catch {
        const type = r.headers.get('content-type');
        throw this.unexpected(`not JSON (${bytes.length} bytes${type === null ? '' : ` of ${type}`})`);
      }
      try {
        return shape(value, '');
      } catch (e) {
        if (e instanceof ShapeError) throw this.unexpected(e.message);
        throw e;
      }
    });
  }

  /**
   * Sends a GET and hands its body to `onChunk` chunk by chunk, never holding it whole; the headers within the
   * request deadline, then at most `idleMs` between chunks.
   */
  async download(path: string, onChunk: (chunk: Uint8Array) => void | Promise<void>): Promise<void> {
    await this.send('GET', path, undefined, false, (r, signal) =>
      this.readChunks(r, signal, onChunk, this.limits.idleMs),
    );
  }

  /** The WebSocket URL of a stream path. */
  wsUrl(path: string): string {
    const u = new URL(this.url + path);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.token !== null) u.searchParams.set('token', this.token);
    return u.toString();
  }

  /**
   * Follows the WebSocket stream at `path` until `onFrame` answers a value, or the server closes it (`onClose` then
   * answers, or throws). The handshake has a deadline, a message a size limit, and a connection that answers
   * neither pings nor with messages is given up.
   */
  stream<T>(path: string, onFrame: FrameHandler<T>, onClose: (code: number) => T): Promise<T> {
    const { handshakeMs, maxFrameBytes, pingMs } = this.limits;
    return new Promise<T>((resolve, reject) => {
      // closeTimeout (ws 8.23) is missing from @types/ws.
      const options: WebSocket.ClientOptions & { closeTimeout: number } = {
        headers: this.headers(),
        maxPayload: maxFrameBytes,
        perMessageDeflate: false,
        followRedirects: false,
        // A server that never answers our closing frame keeps the CLI at most this long.
        closeTimeout: 2000,
      };
      const ws = new WebSocket(this.wsUrl(path), options);
      let settled = false;
      let missed = 0;
      let pinger: NodeJS.Timeout | undefined;
      // Not ws's handshakeTimeout: that is a socket idle timeout, which a server sending a byte now and then never
      // trips. This deadline holds from the start of the connection to the end of the handshake.
      const handshake = setTimeout(
        () =>
          settle(new ClientError(`no WebSocket handshake from ${this.url} within ${seconds(handshakeMs)}`)),
        handshakeMs,
      );
      const settle = (result: { value: T } | Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(handshake);
        clearInterval(pinger);
        if (result instanceof Error) {
          ws.terminate();
          reject(result);
        } else {
          if (ws.readyState === ws.OPEN) {
            ws.close(1000);
            ws.resume(); // to read the server's closing frame
          }
          resolve(result.value);
        }
      };
      ws.on('open', () => {
        clearTimeout(handshake);
        pinger = setInterval(() => {
          // A paused socket (stdout slow to take a frame) reads no pong: that is not the server's silence.
          if (pending > 0) missed = 0;
          else if (missed >= MISSED_PONGS)
            settle(
              new ClientError(
                `the server at ${this.url} stopped answering: no reply to ${MISSED_PONGS} pings in ${seconds(MISSED_PONGS * pingMs)}`,
              ),
            );
          else if (ws.readyState === ws.OPEN) {
            missed += 1;
            ws.ping();
          }
        }, pingMs);
      });
      ws.on('pong', () => (missed = 0));
      // Frames are handled one after another; while one is being handled (its output written), the socket is not
      // read, so a server sending faster than stdout takes them fills no memory here.
      let chain = Promise.resolve();
      let pending = 0;
      const after = (step: () => Promise<void> | void): void => {
        pending += 1;
        if (pending === 1) ws.pause();
        chain = chain
          .then(step)
          .catch((e: unknown) => settle(e instanceof Error ? e : new Error(String(e))))
          .finally(() => {
            pending -= 1;
            if (pending === 0) ws.resume();
          });
      };
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        missed = 0;
        after(async () => {
          if (settled) return;
          const value = await onFrame(data, isBinary);
          if (value !== undefined) settle({ value });
        });
      });
      ws.on('close', (code: number) =>
        after(() => {
          if (!settled) settle({ value: onClose(code) });
        }),
      );
      ws.on('unexpected-response', (req, res: IncomingMessage) => {
        void refusal(res, this.limits.maxErrorBytes).then((message) => {
          req.destroy();
          settle(
            new ClientError(message ?? `${res.statusCode ?? '?'} (from ${this.url}, WebSocket refused)`),
          );
        });
      });
      ws.on('error', (e: Error & { code?: string }) => {
        if (e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')
          settle(this.unexpected(`a message over the ${mib(maxFrameBytes)} limit`));
        else if (ws.readyState === ws.CONNECTING && e.code !== undefined && !e.code.startsWith('WS_'))
          settle(
            new ClientError(
              `cannot reach the Apsis server at ${this.url}: ${e.message} (is apsis serve running? see --url)`,
            ),
          );
        else settle(new ClientError(`the stream from ${this.url} failed: ${e.message}`));
      });
    });
  }
}

/** The `{error}` message of a refused WebSocket upgrade, read up to `limit` bytes; null when there is none. */
function refusal(res: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      res.removeAllListeners('data');
      try {
        const j = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: unknown };
        resolve(typeof j.error === 'string' ? j.error : null);
      } catch {
        resolve(null);
      }
    };
    const timer = setTimeout(done, 1000);
    res.on('data', (d: Buffer) => {
      size += d.length;
      if (size > limit) {
        clearTimeout(timer);
        resolve(null);
        return;
      }
      chunks.push(d);
    });
    res.on('end', () => {
      clearTimeout(timer);
      done();
    });
    res.on('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}

/** The most telling message of a fetch failure (undici puts the system error in `cause`). */
function causeOf(e: unknown): string {
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof Error) return cause.message;
  return e instanceof Error ? e.message : String(e);
}
