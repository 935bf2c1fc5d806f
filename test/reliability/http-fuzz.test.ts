// HTTP and WebSocket fuzz (issue 9): whatever a client sends, the answer is a 2xx/4xx with a JSON error, never a
// 5xx, and the server stays up. Bounded: a few hundred requests on loopback.
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServer, type ServerHarness } from '../server/server-harness.js';

let h: ServerHarness;
beforeAll(async () => {
  h = await openServer({
    'x.yaml': 'params: [a]\nprogram: echo {{ a }}\n',
    'n.yaml': 'program: {type: no-op}\n',
  });
  await h.post('/api/v1/runs', { job_id: 'n' });
});
afterAll(async () => {
  await h.close();
});

const segment = fc.oneof(
  fc.constantFrom(
    'api',
    'v1',
    'runs',
    'jobs',
    'r1',
    'r999',
    'output',
    'log',
    'mark',
    'signal',
    'stop',
    'start',
    'skip',
    'rerun',
    'state',
    'stats',
    'history',
    'history.csv',
    'control',
    'reload_jobs',
    '..',
    '%2e%2e',
    '%2F',
    '%00',
    'updates',
    'dependencies',
    'x',
    'SIGTERM',
    'success',
    'bogus',
  ),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);
const path = fc.array(segment, { minLength: 1, maxLength: 7 }).map((parts) => `/api/${parts.join('/')}`);
const query = fc.oneof(
  fc.constant(''),
  fc.constantFrom(
    '?state=nope',
    '?since=x',
    '?count=-1',
    '?count=99999',
    '?summary=true&job_id=zz',
    '?from=a&to=b',
    '?step=-5',
    '?dry_run=true',
    '?start=x',
  ),
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.constantFrom(
    '{"job_id": 5}',
    '{"job": {"program": {"type": "nope"}}}',
    '{"job_id": "x", "args": {"a": ["1"]}}',
    '{"times": {"schedule": 3}}',
    '{"job": "x"}',
  ),
);

describe('HTTP fuzz', () => {
  it('random paths, methods, queries and bodies: never a 5xx, errors are JSON', async () => {
    await fc.assert(
      fc.asyncProperty(
        path,
        query,
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
        body,
        async (p, q, method, b) => {
          // Shut-down would end the server under test; everything else is fair game.
          if (p.includes('shut_down')) return;
          const r = await fetch(h.url + p + q, {
            method,
            ...(b === undefined || method === 'GET'
              ? {}
              : { body: b, headers: { 'content-type': 'application/json' } }),
            signal: AbortSignal.timeout(5000),
          });
          const text = await r.text();
          expect(r.status, `${method} ${p}${q} -> ${r.status} ${text.slice(0, 200)}`).toBeLessThan(500);
          if (r.status >= 400) expect(typeof (JSON.parse(text) as { error?: unknown }).error).toBe('string');
        },
      ),
      { numRuns: 300, seed: 99 },
    );
    expect((await h.get('/api/v1/alive')).status).toBe(200);
  });

  it('bodies over 1 MiB get a 413 with a JSON error, declared or not; the server lives', async () => {
    const big = `{"job_id": "n", "pad": "${'x'.repeat(5 * 1024 * 1024)}"}`;
    for (const chunked of [false, true]) {
      const r = await fetch(`${h.url}/api/v1/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // A stream has no content-length: the server must count as it reads.
        body: chunked ? new Blob([big]).stream() : big,
        ...(chunked ? { duplex: 'half' } : {}),
        signal: AbortSignal.timeout(10_000),
      });
      expect(r.status).toBe(413);
      expect(((await r.json()) as { error: string }).error).toBe('request body is over 1048576 bytes');
    }
    expect((await h.get('/api/v1/alive')).status).toBe(200);
  });

  it('WebSocket streams: unknown runs, bad offsets and garbage messages are refused or ignored; the server lives', async () => {
    for (const p of [
      '/api/v1/runs/r999/updates',
      '/api/v1/runs/r1/output/..%2Fetc/updates',
      '/api/v1/runs/r1/output/output/updates?start=-1',
      '/api/v1/nope',
    ]) {
      const ws = new WebSocket(h.url.replace('http', 'ws') + p);
      const status = await new Promise<string>((resolve) => {
        ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
        ws.on('error', (e) => resolve(e.message));
        ws.on('open', () => resolve('open'));
      });
      expect(status, p).toMatch(/^4\d\d/);
    }
    const ws = new WebSocket(h.url.replace('http', 'ws') + '/api/v1/summary?init');
    await new Promise((r) => ws.once('open', r));
    ws.send('not json at all');
    ws.send(Buffer.alloc(100_000));
    await new Promise((r) => setTimeout(r, 100));
    ws.close();
    expect((await h.get('/api/v1/alive')).status).toBe(200);
  });
});
