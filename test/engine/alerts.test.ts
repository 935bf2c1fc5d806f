// Alert actions (SPEC 19.8) against real receivers on loopback: a webhook's POST carries the run's facts and the
// outbox key as Idempotency-Key; failures are retried with backoff, every attempt in the run log, and a receiver that
// never answers well ends in `error: ...` in the run log with the run's state unchanged; an email reaches an SMTP
// server with its subject, the facts and the key as Message-ID. Backoff waits run on a fake clock, driven by the log.
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../main/engine/app.js';
import type { Run } from '../../main/engine/run.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { body, header, HttpReceiver, SmtpReceiver, type Reply } from '../helpers/receivers.js';
import { logOf, openApp, waitFor, type Harness } from './harness.js';

const T0 = Date.parse('2024-06-03T12:00:00Z');

let h: Harness | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const close of closers.splice(0)) await close();
});

async function receiver(replies: Reply[] = [200]): Promise<HttpReceiver> {
  const r = await HttpReceiver.start(replies);
  closers.push(() => r.close());
  return r;
}

/** Resolves once a line of the run's log matches; fails after a while (real time: the receivers are real). */
async function logLine(app: App, runId: string, pattern: RegExp, ms = 10_000): Promise<string> {
  for (let waited = 0; waited <= ms; waited += 20) {
    const line = logOf(app, runId).find((m) => pattern.test(m));
    if (line !== undefined) return line;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no log line ${String(pattern)} in ${JSON.stringify(logOf(app, runId))}`);
}

/** Resolves once the run's action is no longer pending (its record removed in a commit). */
async function delivered(app: App, runId: string): Promise<void> {
  for (let waited = 0; waited <= 10_000; waited += 20) {
    app.store.commitBatch();
    if (!app.store.pendingActions().some((a) => a.run_id === runId)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the action of ${runId} is still pending`);
}

const keyOf = (run: Run, state: string, index = 0): string =>
  `${run.runId}/${state}/${run.times[state]}/${index}`;

describe('webhook actions', () => {
  it('POSTs the facts of the run as JSON with its headers and the outbox key; the log names the origin only', async () => {
    const hook = await receiver([200]);
    h = openApp({
      'load.yaml': [
        'params: [date]',
        'program: {type: shell, command: "echo loading {{ date }}; exit 3"}',
        'action:',
        `  - {type: webhook, url: "${hook.url}/hooks/T00/s3cret?x=1", headers: {X-Team: ops}, if: {states: [failure]}}`,
        '',
      ].join('\n'),
    });
    const run = await waitFor(h.app, h.app.engine.createRun('load', { date: '2024-06-03' }), 'failure');
    await hook.waitFor(1);
    const [got] = hook.received;
    expect(got?.method).toBe('POST');
    expect(got?.url).toBe('/hooks/T00/s3cret?x=1');
    expect(got?.headers['content-type']).toBe('application/json');
    expect(got?.headers['x-team']).toBe('ops');
    expect(got?.headers['idempotency-key']).toBe(keyOf(run, 'failure'));
    const times = Object.fromEntries(
      Object.entries(run.times).map(([k, v]) => [k, new Date(v).toISOString()]),
    );
    expect(JSON.parse(got?.body ?? '')).toEqual({
      run_id: run.runId,
      job_id: 'load',
      args: { date: '2024-06-03' },
      state: 'failure',
      times,
      output: 'loading 2024-06-03\n',
      output_length: 19,
    });
    await logLine(h.app, run.runId, /^webhook to /);
    await delivered(h.app, run.runId);
    const log = logOf(h.app, run.runId);
    expect(log).toContain(`webhook to ${hook.url}: attempt 1 of 4: HTTP 200 OK`);
    expect(log.join('\n')).not.toContain('s3cret');
    expect(hook.received).toHaveLength(1);
  });

  it('a templated body replaces the facts; the output sent is its last 4 KiB', async () => {
    const hook = await receiver([204]);
    h = openApp({
      'big.yaml': [
        'params: [date]',
        'program: {type: shell, command: "head -c 10000 /dev/zero | tr \'\\\\0\' a; echo; echo END"}',
        'action:',
        `  - {type: webhook, url: "${hook.url}/a", if: {states: [success]}}`,
        `  - type: webhook`,
        `    url: "${hook.url}/b"`,
        `    body: '{"text": "{{ job_id }} {{ run_id }} {{ state }} on {{ date }}"}'`,
        `    if: {states: [success]}`,
        '',
      ].join('\n'),
    });
    const run = await waitFor(h.app, h.app.engine.createRun('big', { date: '2024-06-03' }), 'success');
    await hook.waitFor(2);
    const byPath = Object.fromEntries(hook.received.map((r) => [r.url, r]));
    expect(JSON.parse(byPath['/b']?.body ?? '')).toEqual({ text: `big ${run.runId} success on 2024-06-03` });
    expect(byPath['/b']?.headers['idempotency-key']).toBe(keyOf(run, 'success', 1));
    const facts = JSON.parse(byPath['/a']?.body ?? '') as { output: string; output_length: number };
    expect(facts.output_length).toBe(10_005);
    expect(facts.output).toBe(`${'a'.repeat(4096 - 5)}\nEND\n`);
    await delivered(h.app, run.runId);
  });

  it('a receiver failing twice then succeeding gets 3 attempts with the same key, all in the run log', async () => {
    const hook = await receiver([500, 503, 200]);
    const clock = new FakeClock(T0);
    h = openApp(
      {
        'j.yaml': `program: {type: no-op, success: false}\naction: {type: webhook, url: "${hook.url}/x"}\n`,
      },
      { clock },
    );
    const run = h.app.engine.createRun('j', {});
    await logLine(h.app, run.runId, /attempt 1 of 4 failed/);
    await clock.advance(1000);
    await logLine(h.app, run.runId, /attempt 2 of 4 failed/);
    await clock.advance(5000);
    await logLine(h.app, run.runId, /attempt 3 of 4:/);
    await delivered(h.app, run.runId);
    const origin = hook.url;
    expect(logOf(h.app, run.runId).filter((m) => m.startsWith('webhook'))).toEqual([
      `webhook to ${origin}: attempt 1 of 4 failed: HTTP 500 Internal Server Error; next in 1 s`,
      `webhook to ${origin}: attempt 2 of 4 failed: HTTP 503 Service Unavailable; next in 5 s`,
      `webhook to ${origin}: attempt 3 of 4: HTTP 200 OK`,
    ]);
    expect(new Set(hook.received.map((r) => r.headers['idempotency-key']))).toEqual(
      new Set([keyOf(run, 'failure')]),
    );
    expect(hook.received).toHaveLength(3);
    expect(run.state).toBe('failure');
  });

  it('a dead receiver gets 4 attempts, then `error: ...` in the run log; the run keeps its state', async () => {
    const gone = await HttpReceiver.start();
    const url = gone.url;
    await gone.close(); // nothing listens there any more
    const clock = new FakeClock(T0);
    h = openApp(
      { 'j.yaml': `program: {type: no-op, success: false}\naction: {type: webhook, url: "${url}/x"}\n` },
      { clock },
    );
    const run = h.app.engine.createRun('j', {});
    for (const [n, wait] of [
      [1, 1000],
      [2, 5000],
      [3, 25_000],
    ] as const) {
      await logLine(h.app, run.runId, new RegExp(`attempt ${n} of 4 failed`));
      await clock.advance(wait);
    }
    const error = await logLine(h.app, run.runId, /^error: /);
    await delivered(h.app, run.runId);
    const port = new URL(url).port;
    expect(error).toBe(
      `error: webhook to ${url} failed after 4 attempts: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(logOf(h.app, run.runId).filter((m) => m.startsWith('webhook'))).toEqual([
      `webhook to ${url}: attempt 1 of 4 failed: connect ECONNREFUSED 127.0.0.1:${port}; next in 1 s`,
      `webhook to ${url}: attempt 2 of 4 failed: connect ECONNREFUSED 127.0.0.1:${port}; next in 5 s`,
      `webhook to ${url}: attempt 3 of 4 failed: connect ECONNREFUSED 127.0.0.1:${port}; next in 25 s`,
      `webhook to ${url}: attempt 4 of 4 failed: connect ECONNREFUSED 127.0.0.1:${port}`,
    ]);
    expect(run.state).toBe('failure');
    expect(h.app.engine.runs.get(run.runId)?.state).toBe('failure');
  });

  it('a receiver that never answers is given up after 5 s per attempt', async () => {
    const hook = await receiver(['hang']);
    const clock = new FakeClock(T0);
    h = openApp(
      { 'j.yaml': `program: {type: no-op, success: false}\naction: {type: webhook, url: "${hook.url}/x"}\n` },
      { clock },
    );
    const run = h.app.engine.createRun('j', {});
    await hook.waitFor(1);
    await clock.advance(5000);
    expect(await logLine(h.app, run.runId, /attempt 1 of 4 failed/)).toBe(
      `webhook to ${hook.url}: attempt 1 of 4 failed: no answer within 5 s; next in 1 s`,
    );
  });
});

describe('global alert actions (settings action)', () => {
  it("fire for the runs of every job, after the job's own actions", async () => {
    const hook = await receiver([200]);
    h = openApp(
      {
        'plain.yaml': 'program: {type: no-op, success: false}\n',
        'own.yaml': `program: {type: no-op, success: false}\naction: {type: webhook, url: "${hook.url}/own"}\n`,
      },
      {
        settings: (s) => {
          s.action = [
            { type: 'webhook', url: `${hook.url}/global`, headers: {}, if: { states: ['failure'] } },
          ];
        },
      },
    );
    const plain = await waitFor(h.app, h.app.engine.createRun('plain', {}), 'failure');
    const own = await waitFor(h.app, h.app.engine.createRun('own', {}), 'failure');
    await hook.waitFor(3);
    const keys = hook.received.map((r) => `${r.url} ${String(r.headers['idempotency-key'])}`).sort();
    expect(keys).toEqual(
      [
        `/global ${keyOf(own, 'failure', 1)}`,
        `/global ${keyOf(plain, 'failure', 0)}`,
        `/own ${keyOf(own, 'failure', 0)}`,
      ].sort(),
    );
    await delivered(h.app, plain.runId);
    await delivered(h.app, own.runId);
  });
});

describe('email actions', () => {
  it('reaches the SMTP server with its subject, the facts and the outbox key as Message-ID', async () => {
    const smtp = await SmtpReceiver.start();
    closers.push(() => smtp.close());
    h = openApp(
      {
        'load.yaml': [
          'params: [date]',
          'program: {type: shell, command: "echo disk full; exit 2"}',
          'action:',
          '  - type: email',
          '    to: [ops@example.com, lead@example.com]',
          '    subject: "{{ job_id }} {{ state }} for {{ date }}"',
          '    if: {states: [failure]}',
          '',
        ].join('\n'),
      },
      {
        settings: (s) => {
          s.smtp = {
            host: '127.0.0.1',
            port: smtp.port,
            from: 'apsis@example.org',
            starttls: false,
            user: null,
            password_env: null,
          };
        },
      },
    );
    const run = await waitFor(h.app, h.app.engine.createRun('load', { date: '2024-06-03' }), 'failure');
    await smtp.waitFor(1);
    const [mail] = smtp.mails;
    expect(mail?.from).toBe('apsis@example.org');
    expect(mail?.to).toEqual(['ops@example.com', 'lead@example.com']);
    const raw = mail?.raw ?? '';
    expect(header(raw, 'subject')).toBe('load failure for 2024-06-03');
    expect(header(raw, 'message-id')).toBe(`<${keyOf(run, 'failure')}@example.org>`);
    const text = body(raw);
    expect(text).toContain(`Run ${run.runId} of load is failure.`);
    expect(text).toContain('args:  date=2024-06-03');
    expect(text).toContain(`  failure    ${new Date(run.times['failure'] as number).toISOString()}`);
    expect(text).toContain('The output:\n\ndisk full\n');
    await delivered(h.app, run.runId);
    expect(logOf(h.app, run.runId)).toContainEqual(
      expect.stringMatching(/^email to ops@example\.com, lead@example\.com: attempt 1 of 4: accepted: 250 /),
    );
  });

  it('logs in with the password from the environment; without the smtp setting the action ends in error at once', async () => {
    const smtp = await SmtpReceiver.start({ user: 'ops', pass: 'pw-from-env' });
    closers.push(() => smtp.close());
    process.env['APSIS_TEST_SMTP_PW'] = 'pw-from-env';
    closers.push(() => {
      delete process.env['APSIS_TEST_SMTP_PW'];
      return Promise.resolve();
    });
    const job = 'program: {type: no-op, success: false}\naction: {type: email, to: ops@example.com}\n';
    h = openApp(
      { 'j.yaml': job },
      {
        settings: (s) => {
          s.smtp = {
            host: '127.0.0.1',
            port: smtp.port,
            from: 'apsis@example.org',
            starttls: false,
            user: 'ops',
            password_env: 'APSIS_TEST_SMTP_PW',
          };
        },
      },
    );
    const run = await waitFor(h.app, h.app.engine.createRun('j', {}), 'failure');
    await smtp.waitFor(1);
    expect(smtp.mails[0]?.user).toBe('ops');
    expect(header(smtp.mails[0]?.raw ?? '', 'subject')).toBe(`apsis: j ${run.runId} failure`);
    await delivered(h.app, run.runId);
    await h.close();

    h = openApp({ 'j.yaml': job });
    const unset = await waitFor(h.app, h.app.engine.createRun('j', {}), 'failure');
    expect(await logLine(h.app, unset.runId, /^error: /)).toBe(
      'error: email action: no SMTP server is set; add smtp: {host, from} to the settings (.apsis.yaml or --config)',
    );
    expect(logOf(h.app, unset.runId).filter((m) => m.includes('attempt'))).toEqual([]);
  });
});
