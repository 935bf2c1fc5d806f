// SPEC 15.1: no web page of another origin may create, change or read anything; a body is JSON or refused.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { openServer, type ServerHarness } from './server-harness.js';

let h: ServerHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A raw request with exactly these headers (fetch would add or refuse some of them). */
function raw(url: string, method: string, headers: Record<string, string>, body = ''): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const JOBS = { 'manual.yaml': 'params: [who]\nprogram: {type: no-op}\n' };

async function runCount(s: ServerHarness): Promise<number> {
  const r = await raw(`${s.url}/api/v1/runs`, 'GET', {});
  return Object.keys((JSON.parse(r.text) as { runs: object }).runs).length;
}

describe('cross-origin requests', () => {
  it('refuses every state change from another origin before doing anything, in any shape a page can send', async () => {
    h = await openServer(JOBS);
    const dir = mkdtempSync(join(tmpdir(), 'apsis-pwn-'));
    const marker = join(dir, 'pwned');
    const body = JSON.stringify({
      job: { program: { type: 'shell', command: `touch ${marker}` } },
      times: { schedule: 'now' },
    });
    const attempts: Record<string, string>[] = [
      { 'content-type': 'text/plain', origin: 'http://evil.example' },
      { 'content-type': 'text/plain', origin: 'null' },
      { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://127.0.0.2:5000' },
      { 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site' },
      { 'content-type': 'text/plain', 'sec-fetch-site': 'same-site' },
      { 'content-type': 'application/json', origin: 'https://127.0.0.1' },
      { 'content-type': 'application/json', origin: `http://localhost:1` },
    ];
    for (const headers of attempts) {
      const r = await raw(`${h.url}/api/v1/runs`, 'POST', headers, body);
      expect(r.status, JSON.stringify(headers)).toBe(403);
      expect(r.text).toMatch(/cross-origin request refused/);
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
    }
    const run = JSON.parse(
      (
        await raw(
          `${h.url}/api/v1/runs`,
          'POST',
          { 'content-type': 'application/json' },
          JSON.stringify({ job_id: 'manual', args: { who: 'x' } }),
        )
      ).text,
    ) as { runs: Record<string, { run_id: string }> };
    const runId = Object.keys(run.runs)[0] as string;
    for (const path of [
      `/api/v1/runs/${runId}/skip`,
      `/api/v1/runs/${runId}/mark/failure`,
      `/api/v1/runs/${runId}/rerun`,
      '/api/control/reload_jobs',
      '/api/control/shut_down',
    ]) {
      const r = await raw(`${h.url}${path}`, 'POST', { origin: 'http://evil.example' });
      expect(r.status, path).toBe(403);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(marker)).toBe(false);
    expect(await runCount(h)).toBe(1);
    expect((await raw(`${h.url}/api/v1/alive`, 'GET', {})).status).toBe(200); // still serving
  });

  it('refuses cross-origin reads of the API and WebSocket upgrades from other origins', async () => {
    h = await openServer(JOBS);
    const read = await raw(`${h.url}/api/v1/runs`, 'GET', { origin: 'http://evil.example' });
    expect(read.status).toBe(403);
    const noCors = await raw(`${h.url}/api/v1/jobs`, 'GET', { 'sec-fetch-site': 'cross-site' });
    expect(noCors.status).toBe(403);
    const ws = new WebSocket(`${h.url.replace('http', 'ws')}/api/v1/summary?init`, {
      headers: { origin: 'http://evil.example' },
    });
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => {});
    });
    expect(status).toBe(403);
  });

  it('keeps the console, the CLI and Apsis-shaped clients working', async () => {
    const consoleDir = mkdtempSync(join(tmpdir(), 'apsis-console-'));
    writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>console</title>');
    h = await openServer(JOBS, { consoleDir });
    const own = h.url; // http://127.0.0.1:PORT
    // The console on its own origin, with fetch metadata as a browser sends it.
    const created = await raw(
      `${h.url}/api/v1/runs`,
      'POST',
      { 'content-type': 'application/json', origin: own, 'sec-fetch-site': 'same-origin' },
      JSON.stringify({
        job_id: 'manual',
        args: { who: 'console' },
        times: { schedule: '2099-01-01T00:00:00Z' },
      }),
    );
    expect(created.status).toBe(200);
    const runId = Object.keys((JSON.parse(created.text) as { runs: object }).runs)[0] as string;
    // Apsis's own client: POST with no body and no Content-Type.
    expect((await raw(`${h.url}/api/v1/runs/${runId}/skip`, 'POST', {})).status).toBe(200);
    expect((await raw(`${h.url}/api/v1/runs/${runId}/mark/failure`, 'PUT', {})).status).toBe(200);
    // A link to the console from another site opens the page (a navigation reads nothing else).
    const page = await raw(`${h.url}/runs/${runId}`, 'GET', {
      'sec-fetch-site': 'cross-site',
      'sec-fetch-mode': 'navigate',
      'sec-fetch-dest': 'document',
    });
    expect(page.status).toBe(200);
    expect(page.text).toContain('console');
  });

  it('reads a body only as JSON: 415 for any other content type, even without an Origin', async () => {
    h = await openServer(JOBS);
    const body = JSON.stringify({ job_id: 'manual', args: { who: 'x' } });
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const r = await raw(`${h.url}/api/v1/runs`, 'POST', { 'content-type': type }, body);
      expect(r.status, type).toBe(415);
      expect(r.text).toMatch(/Content-Type: application\/json/);
    }
    const none = await raw(`${h.url}/api/v1/runs`, 'POST', { 'content-length': String(body.length) }, body);
    expect(none.status).toBe(415);
    expect(await runCount(h)).toBe(0);
    const ok = await raw(
      `${h.url}/api/v1/runs`,
      'POST',
      { 'content-type': 'application/json; charset=utf-8' },
      body,
    );
    expect(ok.status).toBe(200);
  });

  it('answers malformed percent-encoding in a path or the token cookie with 400', async () => {
    h = await openServer(JOBS, { token: 'secret' });
    const auth = { authorization: 'Bearer secret' };
    for (const path of [
      '/api/v1/runs/%ff',
      '/api/v1/runs/%',
      '/api/v1/jobs/%ff',
      '/api/v1/runs/%E0%A4%A/log',
    ]) {
      const r = await raw(`${h.url}${path}`, 'GET', auth);
      expect(r.status, path).toBe(400);
    }
    const cookie = await raw(`${h.url}/`, 'GET', { cookie: 'apsis_token=%' });
    expect(cookie.status).toBe(400);
  });
});
