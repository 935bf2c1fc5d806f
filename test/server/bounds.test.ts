// Bounds at the gate (SPEC 15.1, issue 15 items 3-5): what one request may create is bounded, a refused request
// creates nothing, and no answer poisons the server for later requests.
import { afterEach, describe, expect, it } from 'vitest';
import { openServer, type ServerHarness } from './server-harness.js';

let h: ServerHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const JOBS = { 'manual.yaml': 'params: [who]\nprogram: {type: no-op}\n' };

async function runCount(s: ServerHarness): Promise<number> {
  const r = await s.get('/api/v1/runs');
  expect(r.status).toBe(200);
  return Object.keys((r.body as { runs: object }).runs).length;
}

describe('bounds at the gate', () => {
  it('times outside the years 1 to 9999 and durations of 100 years are refused with 400; nothing is created', async () => {
    h = await openServer(JOBS);
    const base = { job_id: 'manual', args: { who: 'x' } };
    const cases: [unknown, RegExp][] = [
      [
        { schedule: '2031-01-01T00:00:00Z', stop: '200000000d' },
        /^times\.stop: '200000000d' is 100 years or more$/,
      ],
      [
        { schedule: '+275760-01-01T00:00:00Z' },
        /^times\.schedule: .* is (not an ISO 8601 time|outside the years 1 to 9999)/,
      ],
      [
        { schedule: '9999-12-31T23:00:00Z', stop: '2h' },
        /^times\.stop: '2h' ends outside the years 1 to 9999$/,
      ],
      [{ stop: 'forever' }, /^times\.stop: use an ISO 8601 time or a duration/],
      [{ schedule: 12 }, /^times\.schedule: use "now" or an ISO 8601 time/],
    ];
    for (const [times, message] of cases) {
      const r = await h.post('/api/v1/runs', { ...base, times });
      expect(r.status, JSON.stringify(times)).toBe(400);
      expect((r.body as { error: string }).error).toMatch(message);
    }
    // The server is not poisoned: listings, the summary init and new runs all work.
    expect(await runCount(h)).toBe(0);
    expect((await h.post('/api/v1/runs', { ...base, times: { stop: '1h' } })).status).toBe(200);
    expect(await runCount(h)).toBe(1);
  });

  it('args over 64 KiB, over 256 KiB in all, count over 1000, and count × size over 16 MiB are 413; nothing is created', async () => {
    h = await openServer({ 'many.yaml': 'params: [a, b, c, d, e]\nprogram: {type: no-op}\n', ...JOBS });
    const big = (n: number): string => 'x'.repeat(n);
    const refused: [string, unknown, RegExp][] = [
      [
        '/api/v1/runs',
        { job_id: 'manual', args: { who: big(70_000) } },
        /^args: who is 70003 bytes, over 65536$/,
      ],
      [
        '/api/v1/runs',
        {
          job_id: 'many',
          args: { a: big(60_000), b: big(60_000), c: big(60_000), d: big(60_000), e: big(60_000) },
        },
        /^args: over 262144 bytes in all \(at e\)$/,
      ],
      [
        '/api/v1/runs?count=1001',
        { job_id: 'manual', args: { who: 'x' } },
        /^count: 1001 runs in one request/,
      ],
      [
        '/api/v1/runs?count=1000',
        { job_id: 'manual', args: { who: big(20_000) } },
        /^1000 runs of \d+ bytes each/,
      ],
    ];
    for (const [path, body, message] of refused) {
      const r = await h.post(path, body);
      expect(r.status, path).toBe(413);
      expect((r.body as { error: string }).error).toMatch(message);
    }
    expect((await h.post('/api/v1/runs?count=0', { job_id: 'manual', args: { who: 'x' } })).status).toBe(400);
    expect(await runCount(h)).toBe(0);
    const ok = await h.post('/api/v1/runs?count=1000', { job_id: 'manual', args: { who: 'x' } });
    expect(ok.status).toBe(200);
    expect(Object.keys((ok.body as { runs: object }).runs)).toHaveLength(1000);
    expect(await runCount(h)).toBe(1000);
  });

  it('the template limits hold per request, summed over its count runs: over them is 413 and nothing is created', async () => {
    h = await openServer({
      'loops.yaml': 'program: {type: no-op, duration: "{% for i in range(5000) %}{% endfor %}0"}\n',
    });
    const r = await h.post('/api/v1/runs?count=1000', { job_id: 'loops' });
    expect(r.status).toBe(413);
    expect((r.body as { error: string }).error).toBe(
      'count: 1000 runs of 5000 template loop iterations each exceed 1,000,000 in one request',
    );
    expect(await runCount(h)).toBe(0);
    expect((await h.post('/api/v1/runs?count=100', { job_id: 'loops' })).status).toBe(200);
    expect(await runCount(h)).toBe(100);
  });

  it('an ad hoc job nested deeper than 64 levels is a 400 at once, and the server goes on', async () => {
    h = await openServer(JOBS);
    const deep = `${'['.repeat(8000)}true${']'.repeat(8000)}`;
    const r = await h.post(
      '/api/v1/runs',
      `{"job": {"program": {"type": "no-op"}, "metadata": {"x": ${deep}}}}`,
    );
    expect(r.status).toBe(400);
    expect((r.body as { error: string }).error).toBe('job: nested deeper than 64 levels');
    expect(await runCount(h)).toBe(0);
    expect((await h.get('/api/v1/alive')).status).toBe(200);
  });
});
