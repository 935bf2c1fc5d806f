// The HTTP API and live streams of SPEC 15-16, as a client sees them.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { collect, openServer, type ServerHarness } from './server-harness.js';
import { waitFor } from '../engine/harness.js';

let h: ServerHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Collection = {
  when: string;
  runs: Record<string, { run_id: string; state: string; job_id: string; times: Record<string, string> }>;
};
const only = (c: unknown): Collection['runs'][string] =>
  Object.values((c as Collection).runs)[0] as Collection['runs'][string];

describe('HTTP API', () => {
  it('AC-7: an ad hoc no-op for now succeeds; listed by id only', async () => {
    h = await openServer({ 'x.yaml': 'program: {type: no-op}\n' });
    const r = await h.post('/api/v1/runs', { job: { program: { type: 'no-op' } } });
    expect(r.status).toBe(200);
    const run = only(r.body);
    expect(run.job_id).toMatch(/^adhoc-[A-Za-z]{12}$/);
    await waitFor(h.app, run.run_id, 'success');
    const got = only((await h.get(`/api/v1/runs/${run.run_id}`)).body);
    expect(Object.keys(got.times).sort()).toEqual([
      'new',
      'running',
      'schedule',
      'scheduled',
      'starting',
      'success',
    ]);
    const log = (await h.get(`/api/v1/runs/${run.run_id}/log`)).body as { run_log: { message: string }[] };
    expect(log.run_log[0]?.message).toBe('scheduled: now');
    expect(log.run_log.at(-1)?.message).toBe('success');
    const jobs = (await h.get('/api/v1/jobs')).body as { job_id: string }[];
    expect(jobs.map((j) => j.job_id)).toEqual(['x']);
    expect(((await h.get(`/api/v1/jobs/${run.job_id}`)).body as { ad_hoc: boolean }).ad_hoc).toBe(true);
  });

  it('AC-8: refusals are 400 with the reason', async () => {
    h = await openServer({ 'x.yaml': 'program: {type: no-op}\n' });
    const later = new Date(Date.now() + 60_000).toISOString();
    const run = only((await h.post('/api/v1/runs', { job_id: 'x', times: { schedule: later } })).body);
    expect(run.state).toBe('scheduled');
    expect((await h.post(`/api/v1/runs/${run.run_id}/skip`)).status).toBe(200);
    const again = await h.post(`/api/v1/runs/${run.run_id}/skip`);
    expect(again).toEqual({ status: 400, body: { error: `can't skip ${run.run_id} in state skipped` } });
    expect((await h.post(`/api/v1/runs/${run.run_id}/mark/success`)).status).toBe(200);
    expect(
      ((await h.post(`/api/v1/runs/${run.run_id}/mark/success`)).body as { error: string }).error,
    ).toMatch(/already in state success/);
    expect((await h.post(`/api/v1/runs/${run.run_id}/mark/running`)).status).toBe(400);
  });

  it('mark keeps the evidence: output, meta and log as the run left them', async () => {
    h = await openServer({ 'bad.yaml': 'program: "echo evidence of the failure; exit 4"\n' });
    const run = only((await h.post('/api/v1/runs', { job_id: 'bad' })).body);
    await waitFor(h.app, run.run_id, 'failure');
    const before = (await h.get(`/api/v1/runs/${run.run_id}`)).body as {
      runs: Record<string, { meta: unknown }>;
    };
    expect((await h.post(`/api/v1/runs/${run.run_id}/mark/success`)).status).toBe(200);
    const output = await h.get(`/api/v1/runs/${run.run_id}/output/output`);
    expect(output.text).toBe('evidence of the failure\n');
    const after = (await h.get(`/api/v1/runs/${run.run_id}`)).body as {
      runs: Record<string, { state: string; meta: unknown }>;
    };
    expect(after.runs[run.run_id]?.state).toBe('success');
    expect(after.runs[run.run_id]?.meta).toEqual(before.runs[run.run_id]?.meta);
    const log = (await h.get(`/api/v1/runs/${run.run_id}/log`)).body as { run_log: { message: string }[] };
    expect(log.run_log.map((e) => e.message)).toEqual([
      'scheduled: now',
      'starting',
      'running',
      'failure: program failed: exit code 4',
      'marked as success',
      'success',
    ]);
  });

  it('AC-20: fuzzy job ids', async () => {
    h = await openServer({
      'match prefix.yaml': 'program: {type: no-op}\n',
      'match prefix suffix.yaml': 'program: {type: no-op}\n',
    });
    const ambiguous = await h.get('/api/v1/jobs/match%20pre');
    expect(ambiguous.status).toBe(400);
    expect((ambiguous.body as { error: string }).error).toMatch(
      /^ambiguous job id: match prefix, match prefix suffix/,
    );
    expect(((await h.get('/api/v1/jobs/match%20prefix')).body as { job_id: string }).job_id).toBe(
      'match prefix',
    );
    expect(((await h.get('/api/v1/jobs/pre%20suf')).body as { job_id: string }).job_id).toBe(
      'match prefix suffix',
    );
    expect((await h.get('/api/v1/jobs/nothing')).status).toBe(404);
  });

  it('bad input gets a 4xx JSON error naming the problem, never a 500', async () => {
    h = await openServer({ 'x.yaml': 'params: [a]\nprogram: echo {{ a }}\n' });
    const cases: [string, () => Promise<{ status: number; body: unknown }>][] = [
      ['malformed JSON', () => h!.post('/api/v1/runs', '{nope')],
      ['not an object', () => h!.post('/api/v1/runs', '[1]')],
      ['args not strings', () => h!.post('/api/v1/runs', { job_id: 'x', args: { a: 1 } })],
      ['bad state filter', () => h!.get('/api/v1/runs?state=sleeping')],
      ['bad since', () => h!.get('/api/v1/runs?since=yesterday')],
      ['unknown run', () => h!.get('/api/v1/runs/r999999')],
      ['traversal output id', () => h!.get('/api/v1/runs/r1/output/..%2F..%2Fetc%2Fpasswd')],
      ['bad mark', () => h!.post('/api/v1/runs/r1/mark/bogus')],
      ['huge body', () => h!.post('/api/v1/runs', 'x'.repeat(2 * 1024 * 1024))],
      ['unknown endpoint', () => h!.get('/api/v1/nope')],
      [
        'bad schedule time',
        () => h!.post('/api/v1/runs', { job_id: 'x', args: { a: '1' }, times: { schedule: 'soon' } }),
      ],
      ['bad ad hoc job', () => h!.post('/api/v1/runs', { job: { program: { type: 'shel' } } })],
    ];
    for (const [name, call] of cases) {
      const r = await call();
      expect(r.status, name).toBeGreaterThanOrEqual(400);
      expect(r.status, name).toBeLessThan(500);
      expect(typeof (r.body as { error?: unknown }).error, name).toBe('string');
    }
  });

  it('AC-2: extra args give a run in error whose output names them; the call succeeds', async () => {
    h = await openServer({ 'h.yaml': 'params: [host]\nprogram: echo {{ host }}\n' });
    const r = await h.post('/api/v1/runs', { job_id: 'h', args: { host: 'a', x: '1' } });
    expect(r.status).toBe(200);
    const run = only(r.body);
    expect(run.state).toBe('error');
    expect((await h.get(`/api/v1/runs/${run.run_id}/output/output`)).text).toMatch(
      /extra args \(x\) for job h/,
    );
  });

  it('serves large outputs whole, compressed when the client accepts br', async () => {
    h = await openServer({ 'big.yaml': 'program: "head -c 40000 /dev/zero | tr \'\\\\0\' a"\n' });
    const run = only((await h.post('/api/v1/runs', { job_id: 'big' })).body);
    await waitFor(h.app, run.run_id, ['success', 'failure', 'error']);
    const plain = await fetch(`${h.url}/api/v1/runs/${run.run_id}/output/output`, {
      headers: { 'accept-encoding': 'identity' },
    });
    expect((await plain.arrayBuffer()).byteLength).toBe(40_000);
    const br = await h.get(`/api/v1/runs/${run.run_id}/output/output`, { 'accept-encoding': 'br' });
    expect(br.text.length).toBe(40_000); // fetch decodes br
    expect(br.headers.get('content-encoding')).toBe('br');
    const outputs = (await h.get(`/api/v1/runs/${run.run_id}/outputs`)).body;
    expect(outputs).toEqual([{ output_id: 'output', output_len: 40_000 }]);
  });
});

describe('live streams', () => {
  it('the summary stream sends init then batched transitions of a new run', async () => {
    h = await openServer({ 'x.yaml': 'program: {type: no-op, duration: 0.2}\n' });
    const ws = h.ws('/api/v1/summary?init');
    type Msg = { type: string; job?: { job_id: string }; run_summary?: { run_id: string; state: string } };
    const frames: Msg[][] = [];
    let runId = '';
    const done = collect<Msg[]>(ws, (fs) => {
      frames.push(...fs.slice(frames.length));
      return fs
        .flat()
        .some(
          (m) =>
            m.type === 'run_transition' &&
            m.run_summary?.run_id === runId &&
            m.run_summary.state === 'success',
        );
    });
    await new Promise((r) => ws.once('open', r));
    runId = only((await h.post('/api/v1/runs', { job_id: 'x' })).body).run_id;
    const all = await done;
    ws.close();
    expect(all[0]?.map((m) => m.type)).toContain('job');
    expect(all[0]?.map((m) => m.type)).toContain('job_errors');
    const states = all
      .flat()
      .filter((m) => m.run_summary?.run_id === runId)
      .map((m) => m.run_summary?.state);
    expect(states).toEqual(['scheduled', 'starting', 'running', 'success']);
  });

  it('the output stream follows a running process to the end', async () => {
    h = await openServer({ 'slow.yaml': 'program: "for i in 1 2 3; do echo line $i; sleep 0.3; done"\n' });
    const runId = only((await h.post('/api/v1/runs', { job_id: 'slow' })).body).run_id;
    await waitFor(h.app, runId, 'running');
    const ws = h.ws(`/api/v1/runs/${runId}/output/output/updates`);
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (d: Buffer) => chunks.push(d));
      ws.on('close', () => resolve());
      ws.on('error', reject);
    });
    const body = chunks.map((c) => c.subarray(c.indexOf('\r\n\r\n') + 4).toString()).join('');
    expect(body).toBe('line 1\nline 2\nline 3\n');
    expect(chunks[0]?.toString('latin1')).toMatch(
      /^Content-Type: application\/octet-stream\r\nContent-Range: bytes=0-/,
    );
  });
});

describe('authentication', () => {
  it('AC-26: with a token, requests need the bearer header; WebSockets may use ?token', async () => {
    h = await openServer({ 'x.yaml': 'program: {type: no-op}\n' }, { token: 's3cret' });
    expect((await h.get('/api/v1/alive')).status).toBe(401);
    expect((await h.get('/api/v1/alive', { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await h.get('/api/v1/alive', { authorization: 'Bearer s3cret' })).status).toBe(200);
    const ok = h.ws('/api/v1/summary?init&token=s3cret');
    await new Promise((resolve, reject) => {
      ok.once('open', resolve);
      ok.once('error', reject);
    });
    ok.close();
    const refused = h.ws('/api/v1/summary?init&token=nope');
    await expect(
      new Promise((resolve, reject) => {
        refused.once('open', resolve);
        refused.once('error', reject);
      }),
    ).rejects.toThrow(/401/);
  });

  it('without a token, a foreign Host header or WebSocket Origin gets 403', async () => {
    h = await openServer({ 'x.yaml': 'program: {type: no-op}\n' });
    const status = await new Promise<number | undefined>((resolve, reject) => {
      // fetch cannot set Host; a raw request can, as a DNS-rebinding page would.
      const req = request(`${h!.url}/api/v1/alive`, { headers: { host: 'evil.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
    const ws = h.ws('/api/v1/summary', { origin: 'http://evil.example' });
    await expect(
      new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      }),
    ).rejects.toThrow(/403/);
  });
});
