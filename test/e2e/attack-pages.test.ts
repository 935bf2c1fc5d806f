// Web pages of other origins against a real `apsis serve` in its default mode (loopback, no token), in a real
// Chromium (issue 15, SPEC 15.1): every state-changing endpoint tried with no-cors fetches, text/plain bodies, forms
// with JSON smuggled in a field name and beacons, plus CORS reads and WebSockets. Nothing may run, change or be read.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobFolder, ROOT } from '../helpers/folders.js';
import { launchBrowser, serve, type Served } from './browser.js';

const PAGES = join(ROOT, 'test', 'e2e', 'attack-pages');

let browser: Browser;
let served: Served;
let dir: string;
let running: string | undefined;
const attackServers: Server[] = [];

interface Attempt {
  kind: string;
  name: string;
  type?: string;
  status?: number;
  body?: string;
  error?: string;
  queued?: boolean;
  submitted?: boolean;
  frameText?: string;
  script?: string;
  opened?: boolean;
  messages?: string[];
  closeCode?: number;
  timeout?: boolean;
}

/** Serves the attack pages (and nothing else) on `host`, port chosen by the system. */
async function attackServer(host: string): Promise<string> {
  const server = createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://x').pathname.slice(1);
    if (!/^[a-z-]+\.html$/.test(name) || !existsSync(join(PAGES, name))) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(readFileSync(join(PAGES, name)));
  });
  attackServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

async function api(path: string, init: RequestInit = {}): Promise<unknown> {
  const r = await fetch(served.url + path, init);
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
}

async function createRun(body: unknown): Promise<string> {
  const created = (await api('/api/v1/runs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })) as { runs: Record<string, unknown> };
  return Object.keys(created.runs)[0] as string;
}

async function stateOf(runId: string): Promise<string> {
  return ((await api(`/api/v1/runs/${runId}/state`)) as { state: string }).state;
}

/** Every run's state and the job IDs: what an attack must leave as it was. */
async function snapshot(): Promise<{ runs: Record<string, string>; jobs: string[] }> {
  const runs = (await api('/api/v1/runs?summary=true')) as { runs: Record<string, { state: string }> };
  const jobs = (await api('/api/v1/jobs')) as { job_id: string }[];
  return {
    runs: Object.fromEntries(Object.entries(runs.runs).map(([id, r]) => [id, r.state])),
    jobs: jobs.map((j) => j.job_id).sort(),
  };
}

beforeAll(async () => {
  dir = jobFolder({
    'later.yaml': 'params: [marker]\nprogram: "touch {{ marker }}"\n',
    'sleeper.yaml': 'program: "sleep 30"\n',
    'fails.yaml': 'program: "exit 3"\n',
  });
  [browser, served] = await Promise.all([launchBrowser(), serve(dir)]);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  for (const s of attackServers) {
    s.closeAllConnections();
    s.close();
  }
  // A running run would keep `apsis serve` from exiting until it ends.
  if (running !== undefined) await fetch(`${served.url}/api/v1/runs/${running}/stop`, { method: 'POST' });
  await served?.stop();
});

describe('attack pages of other origins', () => {
  it('run nothing, change nothing, read nothing, and get no WebSocket', async () => {
    const marker = join(dir, 'pwned');
    // A scheduled run (to start or skip), a running one (to stop or signal), a failed one (to mark or rerun).
    const scheduled = await createRun({
      job_id: 'later',
      args: { marker: `${marker}-start` },
      times: { schedule: '2090-01-01T00:00:00Z' },
    });
    const sleeper = await createRun({ job_id: 'sleeper' });
    running = sleeper;
    const failed = await createRun({ job_id: 'fails' });
    await expect.poll(() => stateOf(sleeper), { timeout: 10_000 }).toBe('running');
    await expect.poll(() => stateOf(failed), { timeout: 10_000 }).toBe('failure');
    // A job file a reload would add.
    writeFileSync(join(dir, 'added.yaml'), 'program: {type: no-op}\n');
    const before = await snapshot();
    expect(before.jobs).toEqual(['fails', 'later', 'sleeper']);

    const query = new URLSearchParams({
      target: served.url,
      scheduled,
      running: sleeper,
      failed,
      marker,
    }).toString();
    const crossSite = await attackServer('127.0.0.2');
    const sameSite = await attackServer('127.0.0.1'); // another port: another origin, the same site
    const pages: [string, string][] = [
      ['cross-site', `${crossSite}/attack.html?${query}`],
      ['same-site', `${sameSite}/attack.html?${query}`],
      ['Origin: null', `${crossSite}/null-origin.html?${query}`],
    ];

    const context = await browser.newContext();
    // What the server answered each request the pages made (seen by the browser, never by the pages).
    const answers: { url: string; method: string; status: number; body: string }[] = [];
    const pending: Promise<void>[] = [];
    context.on('response', (r) => {
      if (!r.url().startsWith(served.url)) return;
      pending.push(
        r
          .text()
          .catch(() => '')
          .then((body) => {
            answers.push({ url: r.url(), method: r.request().method(), status: r.status(), body });
          }),
      );
    });
    const records = await Promise.all(
      pages.map(async ([label, url]) => {
        const page: Page = await context.newPage();
        await page.goto(url);
        await page.waitForFunction('"attack" in window', undefined, { timeout: 20_000 });
        const record = await page.evaluate<{ origin: string; attempts: Attempt[] }>('window.attack');
        return { label, ...record };
      }),
    );
    await Promise.all(pending);
    await context.close();

    for (const { label, origin, attempts } of records) {
      // 10 endpoints x 11 ways, 4 reads x 4 ways, 2 WebSockets.
      expect({ label, count: attempts.length }).toEqual({ label, count: 128 });
      expect({ label, origin }).toEqual({
        label,
        origin: label === 'Origin: null' ? 'null' : label === 'cross-site' ? crossSite : sameSite,
      });
      for (const a of attempts) {
        const what = `${label}: ${a.kind} ${a.name}: ${JSON.stringify(a)}`;
        // Nothing read: an opaque answer, a network error, an unreadable frame, a script that did not run.
        if (a.body !== undefined) {
          expect(a.body, what).toBe('');
          expect(a.type, what).toBe('opaque');
          expect(a.status, what).toBe(0);
        }
        if (a.error !== undefined) expect(a.error, what).toMatch(/TypeError: Failed to fetch|is unsupported/);
        if (a.frameText !== undefined)
          expect(a.frameText, what).toMatch(/^blocked: SecurityError$|^no document$/);
        if (a.script !== undefined) expect(a.script, what).toBe('error');
        if (a.kind === 'websocket') {
          expect(a.opened, what).toBe(false);
          expect(a.messages, what).toEqual([]);
          expect(a.closeCode, what).toBe(1006);
        }
      }
      // The beacons were sent, so the refusal below is the server's, not the browser's.
      expect(attempts.filter((a) => a.queued === true).length, label).toBe(30);
    }

    // Every request that reached the server was refused before anything was read or changed.
    expect(answers.length).toBeGreaterThan(100);
    for (const a of answers) {
      expect({ ...a, body: undefined }, a.body).toMatchObject({ status: 403 });
      if (a.body !== '') expect(a.body).toMatch(/^\{"error":"cross-origin request refused \(/);
    }
    const refusedWrites = answers.filter((a) => a.method === 'POST').map((a) => new URL(a.url).pathname);
    for (const path of [
      '/api/v1/runs',
      `/api/v1/runs/${scheduled}/skip`,
      `/api/v1/runs/${scheduled}/start`,
      `/api/v1/runs/${sleeper}/stop`,
      `/api/v1/runs/${sleeper}/signal/SIGKILL`,
      `/api/v1/runs/${failed}/mark/success`,
      `/api/v1/runs/${failed}/rerun`,
      '/api/control/reload_jobs',
      '/api/control/shut_down',
    ])
      expect(refusedWrites).toContain(path);

    // Nothing ran, nothing changed, the server is up.
    await new Promise((r) => setTimeout(r, 500));
    expect(await api('/api/v1/alive')).toEqual({});
    expect(await snapshot()).toEqual(before);
    expect(
      [`${marker}-start`, ...['runs', 'runs-job', 'skip', 'start'].map((n) => `${marker}-${n}`)].filter((f) =>
        existsSync(f),
      ),
    ).toEqual([]);

    // The same ad hoc request without a browser's headers does run: the marker would have shown an attack.
    const control = await createRun({
      job: { program: { type: 'shell', command: `touch ${marker}-runs` } },
      times: { schedule: 'now' },
    });
    await expect.poll(() => stateOf(control), { timeout: 10_000 }).toBe('success');
    expect(existsSync(`${marker}-runs`)).toBe(true);
  }, 60_000);
});
