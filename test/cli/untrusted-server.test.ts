// The CLI trusts nothing a server sends (issue 15 item 8): the real `bin/apsis` against a hostile fake server on
// loopback that sends escape sequences, non-JSON, wrong shapes, 300 MB, handshakes that never end and bad frames.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run as runCli } from '../../main/cli/main.js';
import type { CliIo } from '../../main/cli/io.js';
import {
  apsisCli,
  apsisOnTerminal,
  hostileServer,
  raw,
  sendJson,
  streamed,
  type CliResult,
  type HostileServer,
  type HttpHandler,
} from './hostile-server.js';

let s: HostileServer;
beforeEach(async () => {
  s = await hostileServer();
});
afterEach(async () => {
  await s.close();
});

/** Escape sequences a terminal acts on: window title, clear screen, clipboard write (OSC 52), C1 CSI and OSC 8. */
const TITLE = '\x1b]0;pwned\x07';
const CLEAR = '\x1b[2J\x1b[H';
const CLIPBOARD = '\x1b]52;c;cHduZWQ=\x07';
const CSI = '\u009b31m';
const LINK = '\u009d8;;http://evil.example\u009c';
const BIDI = 'invoice\u202efdp.exe';
const PRINTABLE = 'café ✓ 日本語\ttab';

/** Raw control characters a terminal would act on (tab and the line ends of the CLI's own lines allowed). */
// eslint-disable-next-line no-control-regex -- the control characters are what this finds
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

const EVIL_RUN = {
  run_id: 'r1',
  job_id: `evil/${TITLE}job`,
  state: 'failure',
  args: { clear: CLEAR, clip: CLIPBOARD, csi: CSI, link: LINK, bidi: BIDI, ok: PRINTABLE, sep: 'a\u2028b' },
  times: { schedule: `2024-01-01T00:00:00Z${CSI}` },
  labels: [],
};
const EVIL_LOG = [
  { timestamp: '2024-01-01T00:00:01Z', message: `started ${TITLE}${CLEAR}` },
  { timestamp: '2024-01-01T00:00:02Z', message: `line\nfake line ${CLIPBOARD}` },
];

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

/** The CLI's stderr is one line, `apsis COMMAND: MESSAGE` with the message matching `message`. */
function expectOneLine(stderr: string, command: string, message: RegExp): void {
  expect(lines(stderr)).toHaveLength(1);
  expect(stderr.startsWith(`apsis ${command}: `)).toBe(true);
  expect(stderr).toMatch(message);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('escape sequences from the server are shown escaped', () => {
  beforeEach(() => {
    const collection = { when: '2024-01-01T00:00:00Z', runs: { r1: EVIL_RUN } };
    s.http.set('/api/v1/runs', (_q, res) => sendJson(res, 200, collection));
    s.http.set('/api/v1/runs/r1', (_q, res) => sendJson(res, 200, collection));
    s.http.set('/api/v1/runs/r1/log', (_q, res) => sendJson(res, 200, { run_log: EVIL_LOG }));
    s.http.set('/api/v1/jobs', (_q, res) =>
      sendJson(res, 200, [{ job_id: `evil/${TITLE}`, params: [CLEAR], next_time: null }]),
    );
    s.http.set('/api/v1/runs/r1/rerun', (_q, res) =>
      sendJson(res, 200, { when: 'x', runs: {}, show_run_id: `r2${CLIPBOARD}` }),
    );
    s.http.set('/api/v1/runs/r1/skip', (_q, res) =>
      sendJson(res, 400, { error: `run r1 ${TITLE}is already ${CSI}failure` }),
    );
    s.http.set('/api/control/reload_jobs', (_q, res) =>
      sendJson(res, 200, {
        added: [],
        removed: [],
        changed: [],
        errors: [{ path: `x${CLEAR}.yaml`, line: 1, col: 2, message: `bad ${LINK}` }],
      }),
    );
  });

  it('runs, run, jobs, rerun, reload and an error message: escapes in text, printable Unicode kept', async () => {
    const [runs, shown, jobs, rerun, reload, refused] = await Promise.all(
      [['runs'], ['run', 'r1'], ['jobs'], ['rerun', 'r1'], ['reload'], ['skip', 'r1']].map((argv) =>
        apsisCli([...argv, '--url', s.url]),
      ),
    );
    expect(runs?.status).toBe(0);
    const text = runs?.stdout.toString('utf8') ?? '';
    expect(text).not.toMatch(RAW_CONTROL);
    expect(lines(text)).toHaveLength(1);
    expect(text).toContain('evil/\\x1b]0;pwned\\x07job');
    expect(text).toContain('clear=\\x1b[2J\\x1b[H');
    expect(text).toContain('clip=\\x1b]52;c;cHduZWQ=\\x07');
    expect(text).toContain('csi=\\x9b31m');
    expect(text).toContain('link=\\x9d8;;http://evil.example\\x9c');
    expect(text).toContain('bidi=invoice\\u202efdp.exe');
    expect(text).toContain('sep=a\\u2028b');
    expect(text).toContain(`ok=${PRINTABLE}`);

    expect(shown?.status).toBe(0);
    const shownText = shown?.stdout.toString('utf8') ?? '';
    expect(shownText).not.toMatch(RAW_CONTROL);
    expect(lines(shownText)).toEqual([
      expect.stringContaining('evil/\\x1b]0;pwned\\x07job'),
      '  2024-01-01T00:00:01Z  started \\x1b]0;pwned\\x07\\x1b[2J\\x1b[H',
      '  2024-01-01T00:00:02Z  line\\nfake line \\x1b]52;c;cHduZWQ=\\x07',
    ]);

    expect(jobs?.status).toBe(0);
    expect(jobs?.stdout.toString()).toMatch(/^evil\/\\x1b\]0;pwned\\x07 +— +\\x1b\[2J\\x1b\[H\n$/);

    expect(rerun?.stdout.toString()).toBe('r2\\x1b]52;c;cHduZWQ=\\x07\n');

    expect(reload?.status).toBe(1);
    expect(reload?.stdout.toString()).toBe(
      'x\\x1b[2J\\x1b[H.yaml:1:2: bad \\x9d8;;http://evil.example\\x9c\nadded 0, changed 0, removed 0\n',
    );

    expect(refused?.status).toBe(1);
    expect(refused?.stderr).toBe('apsis skip: run r1 \\x1b]0;pwned\\x07is already \\x9b31mfailure\n');
  });

  it('--json: the same JSON value, with C1, DEL, separators and bidi controls escaped too', async () => {
    const r = await apsisCli(['runs', '--json', '--url', s.url]);
    expect(r.status).toBe(0);
    const text = r.stdout.toString('utf8');
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).toContain('\\u009b31m');
    expect(text).toContain('\\u202e');
    expect(text).toContain('\\u2028');
    expect(JSON.parse(text)).toEqual([EVIL_RUN]);
    const run = await apsisCli(['run', 'r1', '--json', '--url', s.url]);
    expect(JSON.parse(run.stdout.toString())).toEqual({ run: EVIL_RUN, run_log: EVIL_LOG });
    expect(run.stdout.toString()).not.toMatch(RAW_CONTROL);
  });

  it('watch: log lines escaped', async () => {
    s.upgrades.set('/api/v1/runs/r1/updates', (ws) => {
      ws.send(JSON.stringify({ run: { ...EVIL_RUN, state: 'running' }, run_log: EVIL_LOG.slice(0, 1) }));
      ws.send(JSON.stringify({ run_log_append: EVIL_LOG[1] }));
      ws.send(JSON.stringify({ run: { ...EVIL_RUN, state: 'success' } }));
    });
    const r = await apsisCli(['watch', 'r1', '--url', s.url]);
    expect(r.status).toBe(0);
    expect(lines(r.stdout.toString())).toEqual([
      '2024-01-01T00:00:01Z  started \\x1b]0;pwned\\x07\\x1b[2J\\x1b[H',
      '2024-01-01T00:00:02Z  line\\nfake line \\x1b]52;c;cHduZWQ=\\x07',
    ]);
    expect(r.stderr).toBe('');
  });
});

describe('apsis output: the bytes to a pipe, escaped on a terminal unless --raw', () => {
  const BYTES = Buffer.concat([
    Buffer.from(`title ${TITLE}\r\nclear ${CLEAR}\rover\n${CSI} ${PRINTABLE}\n`),
    Buffer.from([0xff, 0xfe, 0x1b, 0x9b, 0x0a]),
  ]);
  beforeEach(() => {
    s.http.set('/api/v1/runs/r1/output/output', raw(BYTES, 'application/octet-stream'));
    s.upgrades.set('/api/v1/runs/r1/output/output/updates', (ws) => {
      const head = (n: number): string =>
        `Content-Type: application/octet-stream\r\nContent-Range: bytes=0-${n - 1}/${n}\r\nContent-Length: ${n}\r\n\r\n`;
      ws.send(Buffer.concat([Buffer.from(head(BYTES.length)), BYTES]));
      ws.close(1000);
    });
  });

  it('to a pipe: every byte as it is (plain and -f)', async () => {
    const plain = await apsisCli(['output', 'r1', '--url', s.url]);
    expect(plain.status).toBe(0);
    expect(plain.stdout.equals(BYTES)).toBe(true);
    const follow = await apsisCli(['output', 'r1', '-f', '--url', s.url]);
    expect(follow.status).toBe(0);
    expect(follow.stdout.equals(BYTES)).toBe(true);
  });

  it('on a terminal: control sequences escaped, lines and printable Unicode kept; --raw writes them', async () => {
    for (const follow of [[], ['-f']]) {
      const r = await apsisOnTerminal(['output', 'r1', ...follow, '--url', s.url]);
      expect(r.status).toBe(0);
      // The terminal turns each \n into \r\n (and the CR of a CRLF is kept).
      const text = r.stdout.toString('utf8').replace(/\r+\n/g, '\n');
      expect(text).not.toMatch(RAW_CONTROL);
      expect(text).toBe(
        'title \\x1b]0;pwned\\x07\nclear \\x1b[2J\\x1b[H\\rover\n\\x9b31m café ✓ 日本語\ttab\n\ufffd\ufffd\\x1b\ufffd\n',
      );
    }
    const rawOut = await apsisOnTerminal(['output', 'r1', '--raw', '--url', s.url]);
    expect(rawOut.stdout.includes(Buffer.from(TITLE))).toBe(true);
  });
});

describe('replies of the wrong kind: exit 1 with one line', () => {
  /** Each case: the handlers of its own server, the command, and the message after `unexpected reply from URL: `. */
  const CASES: [string, Record<string, HttpHandler>, string[], RegExp][] = [
    [
      'html',
      { '/api/v1/jobs': raw('<html>hello</html>', 'text/html') },
      ['jobs'],
      /^not JSON \(18 bytes of text\/html\)$/,
    ],
    [
      'runs as an array',
      { '/api/v1/runs': (_q, res) => sendJson(res, 200, { when: 'x', runs: [] }) },
      ['runs'],
      /^runs is an array, not an object$/,
    ],
    [
      'a state that is a number, under a hostile run ID',
      {
        '/api/v1/runs': (_q, res) =>
          sendJson(res, 200, { when: 'x', runs: { [`r1${TITLE}`]: { ...EVIL_RUN, state: 3 } } }),
      },
      ['runs'],
      /^runs\["r1\\u001b\]0;pwned\\u0007"\]\.state is a number, not a string$/,
    ],
    [
      'a run log that is not a list',
      {
        '/api/v1/runs/r1': (_q, res) => sendJson(res, 200, { when: 'x', runs: { r1: EVIL_RUN } }),
        '/api/v1/runs/r1/log': (_q, res) => sendJson(res, 200, { run_log: 'gone' }),
      },
      ['run', 'r1'],
      /^run_log is a string, not an array$/,
    ],
    [
      'a rerun without the new run',
      { '/api/v1/runs/r1/rerun': (_q, res) => sendJson(res, 200, { when: 'x', runs: {} }) },
      ['rerun', 'r1'],
      /^show_run_id is missing$/,
    ],
    [
      'a reload problem without a line',
      {
        '/api/control/reload_jobs': (_q, res) =>
          sendJson(res, 200, { added: [], removed: [], changed: [], errors: [{ path: 'x', message: 'm' }] }),
      },
      ['reload'],
      /^errors\[0\]\.line is missing$/,
    ],
    [
      'a param that is a number',
      { '/api/v1/jobs': (_q, res) => sendJson(res, 200, [{ job_id: 'a', params: [1], next_time: null }]) },
      ['jobs'],
      /^\[0\]\.params\[0\] is a number, not a string$/,
    ],
    [
      'start answered with an array',
      { '/api/v1/runs/r1/start': (_q, res) => sendJson(res, 200, []) },
      ['start', 'r1'],
      /^the reply is an array, not an object$/,
    ],
    [
      'a job nested 100000 levels deep',
      { '/api/v1/jobs/deep': raw(`{"job_id":"deep","m":${'['.repeat(100_000)}${']'.repeat(100_000)}}`) },
      ['job', 'deep', '--json'],
      /^the reply nests deeper than 256 levels$/,
    ],
    [
      'a redirect elsewhere (the token is not carried on)',
      {
        '/api/control/shut_down': (_q, res) => {
          res.writeHead(302, { location: 'http://evil.example/steal' });
          res.end();
        },
      },
      ['shut-down', '--token', 'T0K'],
      /^a redirect \(302\); check --url$/,
    ],
  ];

  it('not JSON, wrong shapes, nesting too deep, a redirect', async () => {
    const servers = await Promise.all(CASES.map(() => hostileServer()));
    try {
      const results = await Promise.all(
        CASES.map(([, handlers, argv], i) => {
          const server = servers[i] as HostileServer;
          for (const [path, h] of Object.entries(handlers)) server.http.set(path, h);
          return apsisCli([...argv, '--url', server.url]);
        }),
      );
      CASES.forEach(([name, , argv, message], i) => {
        const r = results[i] as CliResult;
        const prefix = `apsis ${argv[0] as string}: unexpected reply from ${(servers[i] as HostileServer).url}: `;
        expect({ name, status: r.status }).toEqual({ name, status: 1 });
        expect(lines(r.stderr), name).toHaveLength(1);
        expect(r.stderr.startsWith(prefix), `${name}: ${r.stderr}`).toBe(true);
        expect(r.stderr.slice(prefix.length).trimEnd(), name).toMatch(message);
        expect(r.stderr, name).not.toMatch(RAW_CONTROL);
        expect(r.stdout.length, name).toBe(0);
      });
    } finally {
      await Promise.all(servers.map((x) => x.close()));
    }
  }, 40_000);
});

describe('size limits', () => {
  it('a 300 MB JSON reply: exit 1 naming the 64 MiB limit, memory bounded', async () => {
    s.http.set('/api/v1/runs', streamed('{"when":"x","runs":{"r1":"', Buffer.alloc(1 << 20, 'a'), 300e6));
    const r = await apsisCli(['runs', '--url', s.url], { timeoutMs: 30_000 });
    expect(r.status).toBe(1);
    expectOneLine(r.stderr, 'runs', /: the reply is over the 64 MiB limit$/m);
    // Before: 1.3 GB. Now the 64 MiB read and Node itself.
    expect(r.maxRss).toBeGreaterThan(0);
    expect(r.maxRss).toBeLessThan(256 * 2 ** 20);
  }, 40_000);

  it('64 MiB of tiny objects (22 million): refused before parsing, memory bounded', async () => {
    s.http.set('/api/v1/jobs', streamed('[', Buffer.from('{},'.repeat(349_525)), 63 * 2 ** 20));
    const r = await apsisCli(['jobs', '--url', s.url], { timeoutMs: 30_000 });
    expect(r.status).toBe(1);
    expectOneLine(r.stderr, 'jobs', /: the reply holds over 2000000 objects and arrays$/m);
    // Before the count: 3.8 GB and 98 s to parse, for a reply under the size limit. Now refused after 6 MB.
    expect(r.maxRss).toBeGreaterThan(0);
    expect(r.maxRss).toBeLessThan(200 * 2 ** 20);
  }, 40_000);

  it('a declared Content-Length over the limit is refused before reading', async () => {
    s.http.set('/api/v1/jobs', (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(300e6) });
      res.write('[');
    });
    const r = await apsisCli(['jobs', '--url', s.url]);
    expect(r.status).toBe(1);
    expectOneLine(r.stderr, 'jobs', /: the reply is 300000000 bytes, over the 64 MiB limit$/m);
  });

  it('apsis output streams a 300 MB output to a pipe whole, without holding it', async () => {
    const fill = Buffer.alloc(1 << 20);
    for (let i = 0; i < fill.length; i += 1) fill[i] = (i * 7) % 256;
    const size = 300 * 2 ** 20;
    s.http.set('/api/v1/runs/r1/output/output', streamed('', fill, size, 'application/octet-stream'));
    const r = await apsisCli(['output', 'r1', '--url', s.url], { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdoutBytes).toBe(size);
    const hash = createHash('sha256');
    for (let i = 0; i < 300; i += 1) hash.update(fill);
    expect(r.stdoutSha256).toBe(hash.digest('hex'));
    expect(r.maxRss).toBeGreaterThan(0);
    expect(r.maxRss).toBeLessThan(200 * 2 ** 20);
  }, 70_000);

  it('a WebSocket message over the frame limit: exit 1 naming it', async () => {
    s.upgrades.set('/api/v1/runs/r1/updates', (ws) => ws.send(Buffer.alloc(18 * 2 ** 20, 0x20)));
    const r = await apsisCli(['watch', 'r1', '--url', s.url]);
    expect(r.status).toBe(1);
    expectOneLine(r.stderr, 'watch', /: unexpected reply from .*: a message over the 17 MiB limit$/m);
  });
});

describe('streams: handshakes, bad frames and silence', () => {
  it('a WebSocket upgrade that never completes: exit 1 after the 10 s handshake deadline', async () => {
    s.upgrades.set('/api/v1/runs/r1/updates', 'never');
    s.upgrades.set('/api/v1/runs/r1/output/output/updates', 'never');
    const [watch, follow] = await Promise.all([
      apsisCli(['watch', 'r1', '--url', s.url], { timeoutMs: 25_000 }),
      apsisCli(['output', 'r1', '-f', '--url', s.url], { timeoutMs: 25_000 }),
    ]);
    expect(watch.status).toBe(1);
    expectOneLine(watch.stderr, 'watch', /: no WebSocket handshake from .* within 10 s$/m);
    expect(follow.status).toBe(1);
    expectOneLine(follow.stderr, 'output', /: no WebSocket handshake from .* within 10 s$/m);
    expect(watch.ms).toBeLessThan(20_000);
  }, 30_000);

  it('frames that are not JSON or not a run message are skipped with one warning line', async () => {
    s.upgrades.set('/api/v1/runs/r1/updates', (ws) => {
      ws.send('not json');
      ws.send(JSON.stringify({ run_log_append: { timestamp: 't', message: 'one' } }));
      ws.send(JSON.stringify({ run_log: 'x' }));
      ws.send(Buffer.from([0x00, 0xff]), { binary: true });
      ws.send(JSON.stringify(['an', 'array']));
      ws.send(JSON.stringify({ run: { state: 'failure' } }));
    });
    const r = await apsisCli(['watch', 'r1', '--url', s.url]);
    expect(r.status).toBe(1); // the run failed
    expect(lines(r.stdout.toString())).toEqual(['t  one']);
    expect(lines(r.stderr)).toEqual([
      `apsis watch: warning: skipped a frame from ${s.url}: not JSON (8 bytes)`,
      'apsis watch: warning: skipped 4 malformed frames in all',
    ]);
  });

  it('output frames without a header block are skipped with a warning', async () => {
    s.upgrades.set('/api/v1/runs/r1/output/output/updates', (ws) => {
      ws.send(Buffer.from('no header here'));
      ws.send(Buffer.from('Content-Length: 3\r\n\r\nabc'));
      ws.close(1000);
    });
    const r = await apsisCli(['output', 'r1', '-f', '--url', s.url]);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe('abc');
    expect(r.stderr).toBe(
      `apsis output: warning: skipped a frame from ${s.url}: no header block (SPEC 16.3)\n`,
    );
  });

  it('a stream closed before the run finished, and an upgrade refused: exit 1 with the reason', async () => {
    s.upgrades.set('/api/v1/runs/r1/updates', (ws) => ws.close(1013, 'too slow'));
    const closed = await apsisCli(['watch', 'r1', '--url', s.url]);
    expect(closed.status).toBe(1);
    expectOneLine(
      closed.stderr,
      'watch',
      /closed the stream before run r1 finished \(WebSocket code 1013\)$/m,
    );
    const refused = await apsisCli(['watch', 'r9', '--url', s.url]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe('apsis watch: no stream\n');
  });
});

describe('liveness (in-process, with short deadlines)', () => {
  async function cli(...argv: string[]): Promise<{ status: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      now: () => Date.now(),
      limits: { pingMs: 100, requestMs: 500, handshakeMs: 500 },
    };
    const status = await runCli([...argv, '--url', s.url], io);
    return { status, out, err };
  }

  it('a socket that answers no ping is given up after two missed pongs', async () => {
    s.upgrades.set('/api/v1/runs/r1/updates', 'silent');
    const r = await cli('watch', 'r1');
    expect(r.status).toBe(1);
    expect(r.err).toEqual([
      `apsis watch: the server at ${s.url} stopped answering: no reply to 2 pings in 0.2 s`,
    ]);
  });

  it('a quiet run whose server answers pings is followed to its end', async () => {
    s.upgrades.set('/api/v1/runs/r1/updates', (ws) => {
      ws.send(JSON.stringify({ run: { state: 'running' } }));
      setTimeout(() => ws.send(JSON.stringify({ run: { state: 'success' } })), 1500);
    });
    const r = await cli('watch', 'r1');
    expect(r.err).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('a reply that never completes: exit 1 at the request deadline', async () => {
    s.http.set('/api/v1/jobs', (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
    });
    const r = await cli('jobs');
    expect(r.status).toBe(1);
    expect(r.err).toEqual([`apsis jobs: no complete reply from ${s.url} within 0.5 s`]);
    s.http.set('/api/v1/jobs', () => {});
    const none = await cli('jobs');
    expect(none.err).toEqual([`apsis jobs: no answer from ${s.url} within 0.5 s`]);
  });
});
