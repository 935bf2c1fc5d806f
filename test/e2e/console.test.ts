// The console in a real browser against a real `apsis serve` (SPEC 19, AC-30): what an operator sees and does.
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobFolder } from '../helpers/folders.js';
import { launchBrowser, serve, watchErrors, type Served } from './browser.js';

const JOBS = {
  'team/hello.yaml': 'params: [who]\nprogram: echo "hello {{ who }}"\nmetadata: {labels: [demo]}\n',
  'team/fails.yaml': 'program: "echo boom-output; exit 3"\n',
  'ops/long.yaml': 'program: "sleep 30"\n',
  'ops/nightly.yaml': 'schedule: {type: daily, tz: UTC, daytime: "02:00:00"}\nprogram: {type: no-op}\n',
  'broken.yaml': 'program: {type: shel}\n',
};

let browser: Browser;
let served: Served;
let page: Page;
let errors: string[];

beforeAll(async () => {
  browser = await launchBrowser();
  served = await serve(jobFolder(JOBS), ['-o', 'stats.interval=1s']);
  page = await browser.newPage();
  errors = watchErrors(page);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

/** Schedules a job from its page and returns the new run's id (the page navigates to the run). */
async function runFromPage(jobId: string, args: Record<string, string> = {}): Promise<string> {
  await page.goto(`${served.url}/#/jobs/${jobId}`);
  await page.getByRole('button', { name: 'Schedule run' }).waitFor();
  for (const [k, v] of Object.entries(args)) await page.locator(`input[name="${k}"]`).fill(v);
  await page.getByRole('button', { name: 'Schedule run' }).click();
  await page.getByTestId('confirm').click();
  await page.waitForURL(/#\/runs\/r\d+$/);
  return page.url().split('/').pop() as string;
}

async function stateOf(): Promise<string> {
  return (await page.locator('h2 .state').first().textContent()) ?? '';
}

describe('console in chromium', () => {
  it('the dashboard counts the loaded jobs, lists the next scheduled one and shows the broken file', async () => {
    await page.goto(served.url);
    const panel = page.getByTestId('dashboard-jobs');
    // The jobs come with the summary stream's init, paced after the page loads: wait for them.
    await panel.getByText('4 jobs').waitFor();
    await panel.getByText('ops/nightly', { exact: true }).waitFor();
    await expect.poll(() => page.getByTestId('connection').textContent()).toBe('live');
    await page.getByText('1 job file problems').click();
    await page.getByTestId('problems').getByText('broken.yaml').waitFor();
    expect(await page.getByTestId('problems').textContent()).toMatch(/unknown program type 'shel'/);
  });

  it('a run started from the page goes to success live, with its output', async () => {
    const runId = await runFromPage('team/hello', { who: 'operator' });
    await page.locator('h2 .state-success').waitFor({ timeout: 10_000 });
    expect(runId).toMatch(/^r\d+$/);
    await page.getByTestId('output').getByText('hello operator').waitFor();
    // The run log arrives on the run's stream, possibly after the state: wait for it.
    await expect
      .poll(() => page.getByTestId('run-log').textContent(), { timeout: 5000 })
      .toMatch(/scheduled: now.*starting.*running.*success/s);
  });

  it('a failing run shows failure and its output', async () => {
    await runFromPage('team/fails');
    await page.locator('h2 .state-failure').waitFor({ timeout: 10_000 });
    await page.getByTestId('output').getByText('boom-output').waitFor();
    // The run log arrives on the run's stream, possibly after the state: wait for it.
    await expect
      .poll(() => page.getByTestId('run-log').textContent(), { timeout: 5000 })
      .toMatch(/failure: program failed: exit code 3/);
  });

  it('stop works from the run page, behind a confirmation', async () => {
    await runFromPage('ops/long');
    await page.locator('h2 .state-running').waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'stop', exact: true }).click();
    await page.getByTestId('confirm').click();
    await page.locator('h2 .state-success').waitFor({ timeout: 10_000 });
    expect(await stateOf()).toBe('success');
    // The run log arrives on the run's stream, possibly after the state: wait for it.
    await expect
      .poll(() => page.getByTestId('run-log').textContent(), { timeout: 5000 })
      .toMatch(/stopping.*sending SIGTERM/s);
  });

  it('the run list shows new runs without a reload and filters by state', async () => {
    await page.goto(`${served.url}/#/runs`);
    const list = page.getByTestId('run-list');
    await list.locator('[data-run-id]').first().waitFor();
    const before = await list.locator('[data-run-id]').count();
    await fetch(`${served.url}/api/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ job_id: 'team/hello', args: { who: 'api' } }),
    });
    await expect.poll(() => list.locator('[data-run-id]').count(), { timeout: 5000 }).toBeGreaterThan(before);
    await page.getByLabel('failure').check();
    await expect.poll(() => list.locator('[data-run-id]').count(), { timeout: 5000 }).toBe(1);
    expect(await list.locator('[data-run-id] .state').allTextContents()).toEqual(['failure']);
  });

  it('job names, args and output are never rendered as HTML', async () => {
    const res = await fetch(`${served.url}/api/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ job_id: 'team/hello', args: { who: '<img src=x onerror=alert(1)>' } }),
    });
    const runId = Object.keys(((await res.json()) as { runs: Record<string, unknown> }).runs)[0] as string;
    await page.goto(`${served.url}/#/runs/${runId}`);
    await page.locator('h2 .state-success').waitFor({ timeout: 10_000 });
    await page.getByTestId('output').getByText('hello <img src=x onerror=alert(1)>').waitFor();
    expect(await page.locator('img').count()).toBe(0);
  });

  it('the stats export downloads the same CSV as the API, and it parses', async () => {
    await page.goto(`${served.url}/#/export`);
    await expect
      .poll(
        async () => ((await (await fetch(`${served.url}/api/v1/stats/history`)).json()) as unknown[]).length,
        { timeout: 8000 },
      )
      .toBeGreaterThan(1);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    const text = readFileSync(await download.path(), 'utf8');
    const rows: string[][] = parse(text);
    expect(rows[0]?.[0]).toBe('time');
    expect(rows[0]).toContain('tasks.num_running');
    expect(rows.length).toBeGreaterThan(2);
    const api = await (
      await fetch(
        `${served.url}/api/v1/stats/history.csv?to=${encodeURIComponent(new Date(Date.parse(rows.at(-1)?.[0] as string) + 1).toISOString())}`,
      )
    ).text();
    expect(text).toBe(api);
  });

  it('no console errors on any screen', async () => {
    for (const hash of ['#/', '#/jobs', '#/runs', '#/folder', '#/export', '#/jobs/ops/nightly']) {
      await page.goto(`${served.url}/${hash}`);
      await page.waitForTimeout(300);
    }
    expect(errors, errors.join('\n')).toEqual([]);
  });
});
