/** Real receivers on loopback for alert tests: an HTTP server recording each POST, and an SMTP server (smtp-server). */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/**
 * What the receiver does with the n-th request: answer with a status, or `hang` (never answer until closed).
 * Requests past the list get the last entry.
 */
export type Reply = number | 'hang';

export class HttpReceiver {
  readonly received: Received[] = [];
  private readonly held: ServerResponse[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    public replies: Reply[],
  ) {}

  static async start(replies: Reply[] = [200]): Promise<HttpReceiver> {
    const made: { receiver?: HttpReceiver } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => made.receiver?.take(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    made.receiver = new HttpReceiver(server, `http://127.0.0.1:${port}`, replies);
    return made.receiver;
  }

  private take(req: IncomingMessage, res: ServerResponse, body: string): void {
    const reply = this.replies[Math.min(this.received.length, this.replies.length - 1)] ?? 200;
    this.received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    if (reply === 'hang') this.held.push(res);
    else res.writeHead(reply).end();
  }

  /** Resolves once `n` requests have arrived; fails after `ms`. */
  async waitFor(n: number, ms = 10_000): Promise<void> {
    for (let waited = 0; this.received.length < n; waited += 20) {
      if (waited > ms) throw new Error(`${this.received.length} of ${n} requests after ${ms} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export interface Mail {
  from: string;
  to: string[];
  /** The message as sent (headers and body). */
  raw: string;
  user: string | null;
}

/** An SMTP server on loopback (no TLS) keeping every message it accepts. */
export class SmtpReceiver {
  readonly mails: Mail[] = [];

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(auth?: { user: string; pass: string }): Promise<SmtpReceiver> {
    const made: { receiver?: SmtpReceiver } = {};
    const options: SMTPServerOptions = {
      disabledCommands: auth === undefined ? ['STARTTLS', 'AUTH'] : ['STARTTLS'],
      authOptional: auth === undefined,
      allowInsecureAuth: true,
      logger: false,
      onAuth(a, _session, callback) {
        if (auth !== undefined && a.username === auth.user && a.password === auth.pass)
          callback(null, { user: a.username });
        else callback(new Error('invalid login'));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const from = session.envelope.mailFrom;
          made.receiver?.mails.push({
            from: from === false ? '' : from.address,
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
            user: typeof session.user === 'string' ? session.user : null,
          });
          callback();
        });
      },
    };
    const server = new SMTPServer(options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    made.receiver = new SmtpReceiver(server, port);
    return made.receiver;
  }

  async waitFor(n: number, ms = 10_000): Promise<void> {
    for (let waited = 0; this.mails.length < n; waited += 20) {
      if (waited > ms) throw new Error(`${this.mails.length} of ${n} mails after ${ms} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A header of a raw mail (unfolded), or undefined. */
export function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const line = unfolded.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

/** The body of a raw mail (after the blank line), quoted-printable decoded when so encoded. */
export function body(raw: string): string {
  const blank = /\r?\n\r?\n/.exec(raw);
  const text = (blank === null ? '' : raw.slice(blank.index + blank[0].length)).replace(/\r\n/g, '\n');
  if (!/quoted-printable/i.test(header(raw, 'content-transfer-encoding') ?? '')) return text;
  return Buffer.from(
    text
      .replace(/=\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');
}
