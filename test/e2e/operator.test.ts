// The operator's daily screens in a real browser against a real `apsis serve` (SPEC 19.8, issue 17): what needs
// attention on the dashboard, what runs next, a job's next runs, and what a reload would change.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobFolder } from '../helpers/folders.js';
import { launchBrowser, serve, type Served } from './browser.js';

const JOBS = {
  'team/fails.yaml': 'program: "echo boom; exit 3"\n',
  'team/needs-arg.yaml': 'params: [who]\nprogram: echo "hello {{ who }}"\n',
  'ops/stubborn.yaml':
    'program:\n  type: shell\n  command: trap "" TERM; sleep 30\n  stop: {grace_period: 5m}\n',
  'ops/blocked.yaml': 'condition: {type: const, value: false}\nprogram: {type: no-op}\n',
  'broken.yaml': 'program: {type: shel}\n',
  'sched/hourly.yaml': 'schedule: {type: interval, interval: 1h}\nprogram: {type: no-op}\n',
  'sched/off.yaml': 'schedule: {type: interval, interval: 1h, enabled: false}\nprogram: {type: no-op}\n',
  // 02:30 does not exist in New York on 2027-03-14; 01:30 occurs twice on 2027-11-07.
  'sched/spring.yaml':
    'schedule: {type: daily, tz: America/New_York, daytime: "02:30"}\nprogram: {type: no-op}\n',
  'sched/fall.yaml':
    'schedule: {type: daily, tz: America/New_York, daytime: "01:30"}\nprogram: {type: no-op}\n',
};

let browser: Browser;
let served: Served;
let dir: string;
let page: Page;
let overdueRun = '';

beforeAll(async () => {
  browser = await launchBrowser();
  dir = jobFolder(JOBS);
  served = await serve(dir, ['-o', 'waiting.warn_after=1s']);
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

async function post(base: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Creates runs through the API; returns their IDs. */
async function schedule(
  base: string,
  jobId: string,
  extra: Record<string, unknown> = {},
  count = 1,
): Promise<string[]> {
  const r = await post(base, `/api/v1/runs?count=${count}`, { job_id: jobId, args: {}, ...extra });
  expect(r.status).toBe(200);
  return Object.keys(((await r.json()) as { runs: Record<string, unknown> }).runs);
}

async function stateOf(base: string, runId: string): Promise<string> {
  const r = (await (await fetch(`${base}/api/v1/runs/${runId}`)).json()) as {
    runs: Record<string, { state: string }>;
  };
  return r.runs[runId]?.state ?? 'missing';
}

async function until(base: string, runId: string, state: string): Promise<void> {
  await expect.poll(() => stateOf(base, runId), { timeout: 15_000 }).toBe(state);
}

async function rowsOf(p: Page): Promise<string[]> {
  const rows = p.getByTestId('run-list').locator('[data-run-id]');
  const out: string[] = [];
  for (let i = 0; i < (await rows.count()); i += 1)
    out.push((await rows.nth(i).getAttribute('data-run-id')) ?? '');
  return out.sort();
}

const countOf = async (p: Page, key: string): Promise<string> =>
  (await p.getByTestId(`attention-${key}`).locator('.count').textContent()) ?? '';

describe('attention first', () => {
  it('counts what needs a person, and each count opens exactly those runs', async () => {
    const failed = await schedule(served.url, 'team/fails', {}, 2);
    const [errored] = await schedule(served.url, 'team/needs-arg');
    const [overdue] = await schedule(served.url, 'ops/stubborn', { times: { schedule: 'now', stop: '1s' } });
    const [waiting] = await schedule(served.url, 'ops/blocked');
    for (const id of failed) await until(served.url, id, 'failure');
    await until(served.url, errored as string, 'error');
    await until(served.url, overdue as string, 'stopping');
    await until(served.url, waiting as string, 'waiting');

    await page.goto(`${served.url}/#/`);
    const panel = page.getByTestId('attention');
    await panel.getByTestId('attention-failures').waitFor();
    // The panel comes before the engine's counters and charts.
    const order = await page.evaluate<boolean>(
      `!!(document.querySelector('[data-testid="attention"]').compareDocumentPosition(document.querySelector('[data-testid="dashboard-jobs"]')) & Node.DOCUMENT_POSITION_FOLLOWING)`,
    );
    expect(order).toBe(true);
    expect(await countOf(page, 'failures')).toBe('2');
    expect(await panel.getByTestId('attention-failures').textContent()).toMatch(/failures in the last hour/);
    expect(await countOf(page, 'errors')).toBe('1');
    await expect.poll(() => countOf(page, 'waiting'), { timeout: 10_000 }).toBe('1');
    expect(await panel.getByTestId('attention-waiting').textContent()).toMatch(/waiting longer than 1s/);
    await expect.poll(() => countOf(page, 'overdue'), { timeout: 10_000 }).toBe('1');
    expect(await countOf(page, 'files')).toBe('1');
    expect(await panel.getByTestId('attention-files').textContent()).toContain('broken.yaml');
    expect(await countOf(page, 'hosts')).toBe('0');

    await panel.getByTestId('attention-failures').getByRole('link').click();
    await expect.poll(() => page.url()).toMatch(/#\/runs\?state=failure&since=[^&]+$/);
    await expect.poll(() => rowsOf(page)).toEqual([...failed].sort());
    expect(await page.getByLabel('failure', { exact: true }).isChecked()).toBe(true);
    await page.getByTestId('since').waitFor();

    await page.goBack();
    await panel.getByTestId('attention-errors').getByRole('link').click();
    await expect.poll(() => rowsOf(page)).toEqual([errored]);

    await page.goBack();
    await panel.getByTestId('attention-overdue').getByRole('link').click();
    await expect.poll(() => page.url()).toMatch(/state=running%2Cstopping&stop_before=/);
    await expect.poll(() => rowsOf(page)).toEqual([overdue]);

    await page.goBack();
    await panel.getByTestId('attention-waiting').getByRole('link').click();
    await expect.poll(() => page.url()).toMatch(/state=waiting&before=/);
    await expect.poll(() => rowsOf(page)).toEqual([waiting]);

    await page.goBack();
    await panel.getByTestId('attention-files').getByRole('link').click();
    await expect.poll(() => page.url()).toMatch(/#\/folder$/);
    await page.getByTestId('problems').getByText('broken.yaml').waitFor();

    // Killed by SIGKILL, the overdue run ends in failure.
    overdueRun = overdue as string;
    await post(served.url, `/api/v1/runs/${overdue}/signal/KILL`);
    await post(served.url, `/api/v1/runs/${waiting}/skip`);
  });

  it('follows new failures live, and the window is in the URL', async () => {
    await page.goto(`${served.url}/#/`);
    await until(served.url, overdueRun, 'failure');
    const counted = (await (await fetch(`${served.url}/api/v1/attention`)).json()) as { failures: number };
    await expect.poll(() => countOf(page, 'failures')).toBe(String(counted.failures));
    const before = counted.failures;
    const [id] = await schedule(served.url, 'team/fails');
    await until(served.url, id as string, 'failure');
    await expect.poll(() => countOf(page, 'failures'), { timeout: 10_000 }).toBe(String(before + 1));
    await page.getByRole('button', { name: '24h' }).click();
    await expect.poll(() => page.url()).toMatch(/#\/\?window=24h$/);
    await expect
      .poll(() => page.getByTestId('attention-failures').textContent())
      .toMatch(/failures in the last 24 hours/);
    await page.getByRole('button', { name: '7d' }).click();
    await expect.poll(() => page.url()).toMatch(/window=7d$/);
    await page.goBack();
    await expect.poll(() => page.url()).toMatch(/window=24h$/);
    await expect
      .poll(() => page.getByRole('button', { name: '24h' }).getAttribute('aria-pressed'))
      .toBe('true');
    // A link with the window shows it.
    const other = await browser.newPage();
    await other.goto(`${served.url}/#/?window=7d`);
    await expect
      .poll(() => other.getByTestId('attention-failures').textContent())
      .toMatch(/failures in the last 7 days/);
    await other.close();
  });

  it('says when nothing needs attention, and when the server cannot be reached', async () => {
    const own = await serve(jobFolder({ 'calm.yaml': 'program: {type: no-op}\n' }));
    const p = await browser.newPage();
    try {
      await p.goto(`${own.url}/#/`);
      await expect
        .poll(() => p.getByTestId('attention-empty').textContent())
        .toMatch(/Nothing needs attention/);
      await own.stop();
      await p.getByTestId('attention-stale').waitFor({ timeout: 10_000 });
      expect(await p.getByTestId('attention-stale').textContent()).toMatch(/not connected/);
    } finally {
      await p.close();
    }
  });

  it('counts runs retired from memory, and the list it opens shows them all', async () => {
    const folder = jobFolder({ 'f.yaml': 'program: "exit 1"\n', 'ok.yaml': 'program: {type: no-op}\n' });
    const first = await serve(folder);
    let ids: string[];
    try {
      ids = await schedule(first.url, 'f', {}, 3);
      for (const id of ids) await until(first.url, id, 'failure');
      const [ok] = await schedule(first.url, 'ok');
      await until(first.url, ok as string, 'success');
    } finally {
      await first.stop();
    }
    // Restarted keeping only the newest finished run in memory: the failures are in the database only.
    const again = await serve(folder, ['-o', 'runs.max_in_memory=1'], first.dbPath);
    const p = await browser.newPage();
    try {
      const inMemory = (await (await fetch(`${again.url}/api/v1/runs?state=failure`)).json()) as {
        runs: Record<string, unknown>;
      };
      expect(Object.keys(inMemory.runs)).toEqual([]);
      await p.goto(`${again.url}/#/`);
      await expect.poll(() => countOf(p, 'failures')).toBe('3');
      await p.getByTestId('attention-failures').getByRole('link').click();
      await expect.poll(() => rowsOf(p)).toEqual([...ids].sort());
    } finally {
      await p.close();
      await again.stop();
    }
  });
});

describe('what runs next', () => {
  it('forecasts every enabled schedule, grouped by job, for a window in the URL', async () => {
    await page.goto(`${served.url}/#/`);
    await page.getByRole('navigation').getByRole('link', { name: 'Next runs' }).click();
    await expect.poll(() => page.url()).toMatch(/#\/plan$/);
    const hourly = page.locator('section[data-job="sched/hourly"]');
    await expect.poll(() => hourly.locator('h3').textContent()).toMatch(/24 runs/);
    expect(await page.title()).toBe('Next runs · 24 hours · Apsis');
    expect(await page.locator('section[data-job="sched/off"]').count()).toBe(0);
    // Shown in the console's zone and as local time with its offset.
    const first = hourly.locator('tbody tr').first();
    expect(await first.locator('td').nth(1).textContent()).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:00 UTC[+-]\d\d:\d\d$/,
    );
    await page.getByRole('button', { name: '7 d' }).click();
    await expect.poll(() => page.url()).toMatch(/#\/plan\?window=7d$/);
    await expect.poll(() => hourly.locator('h3').textContent()).toMatch(/168 runs/);
    expect(await page.title()).toBe('Next runs · 7 days · Apsis');
    // A few rows a job, the rest on demand.
    expect(await hourly.locator('tbody tr').count()).toBe(10);
    await hourly.getByRole('button', { name: /show \d+ more/ }).click();
    expect(await hourly.locator('tbody tr').count()).toBe(168);
    await page.goBack();
    await expect.poll(() => hourly.locator('h3').textContent()).toMatch(/24 runs/);
  });

  it('marks runs a clock change moves or repeats, with their local time and offset', async () => {
    await page.goto(`${served.url}/#/plan?from=2027-03-13T00:00:00.000Z&window=3d&zone=UTC`);
    const spring = page.locator('section[data-job="sched/spring"]');
    const moved = spring.locator('tr', { has: page.getByTestId('dst-shifted') });
    await moved.waitFor();
    expect(await moved.count()).toBe(1);
    expect(await moved.locator('td').nth(0).textContent()).toBe('2027-03-14 07:30:00');
    expect(await moved.locator('td').nth(1).textContent()).toBe('2027-03-14 03:30:00 UTC-04:00');
    expect(await spring.locator('tr[data-time="2027-03-13T07:30:00.000Z"] td').nth(1).textContent()).toBe(
      '2027-03-13 02:30:00 UTC-05:00',
    );
    expect(await page.getByTestId('forecast-summary').textContent()).toMatch(/1 moved or repeated/);

    await page.getByLabel('forecast start').fill('2027-11-06 12:00');
    await page.getByRole('button', { name: 'show', exact: true }).click();
    await expect.poll(() => page.url()).toMatch(/from=2027-11-06T12%3A00%3A00\.000Z/);
    const repeated = page
      .locator('section[data-job="sched/fall"]')
      .locator('tr', { has: page.getByTestId('dst-repeated') });
    await repeated.waitFor();
    expect(await repeated.locator('td').nth(1).textContent()).toMatch(/^2027-11-07 01:30:00 UTC-0[45]:00$/);
  });

  it("the job page lists the job's next runs above its history", async () => {
    await page.goto(`${served.url}/#/jobs/sched/spring`);
    const next = page.getByTestId('next-runs');
    // A daily run: 7 days hold fewer than 10, so the next 10.
    await expect.poll(() => next.locator('tbody tr').count()).toBe(10);
    expect((await next.getByTestId('next-runs-summary').textContent())?.replace(/\s+/g, ' ')).toMatch(
      /the next 10 runs, looking 30 days ahead/,
    );
    const order = await page.evaluate<boolean>(
      `!!(document.querySelector('[data-testid="next-runs"]').compareDocumentPosition(document.querySelector('[data-testid="job-runs"]')) & Node.DOCUMENT_POSITION_FOLLOWING)`,
    );
    expect(order).toBe(true);
    await page.goto(`${served.url}/#/jobs/sched/hourly`);
    await expect
      .poll(async () => (await next.getByTestId('next-runs-summary').textContent())?.replace(/\s+/g, ' '))
      .toMatch(/the first 20 of 168 runs in the next 7 days/);
    await next.getByRole('link', { name: 'in the forecast' }).click();
    await expect.poll(() => page.url()).toMatch(/#\/plan\?job=sched%2Fhourly&window=7d(&zone=UTC)?$/);
    await expect.poll(() => page.locator('section[data-job]').count()).toBe(1);
    expect(await page.title()).toBe('Next runs of sched/hourly · 7 days · Apsis');
  });
});

describe('reload preview', () => {
  it('a dry run shows the runs of the next 7 days each job gains and loses, and problems; confirm applies it', async () => {
    const folder = jobFolder({
      'every-hour.yaml': 'schedule: {type: interval, interval: 1h}\nprogram: {type: no-op}\n',
      'shifted.yaml': 'schedule: {type: interval, interval: 1h}\nprogram: {type: no-op}\n',
      'same.yaml': 'schedule: {type: interval, interval: 1h}\nprogram: "echo one"\n',
    });
    const own = await serve(folder);
    const p = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const planned = async (job: string): Promise<number> =>
      ((await (await fetch(`${own.url}/api/v1/plan?job_id=${job}`)).json()) as unknown[]).length;
    try {
      writeFileSync(
        join(folder, 'every-hour.yaml'),
        'schedule: {type: interval, interval: 2h}\nprogram: {type: no-op}\n',
      );
      writeFileSync(
        join(folder, 'shifted.yaml'),
        'schedule: {type: interval, interval: 1h, phase: 30m}\nprogram: {type: no-op}\n',
      );
      writeFileSync(
        join(folder, 'same.yaml'),
        'schedule: {type: interval, interval: 1h}\nprogram: "echo two"\n',
      );
      writeFileSync(join(folder, 'bad.yaml'), 'program: {type: shel}\n');
      // The job page tells what the edit does to this job alone.
      await p.goto(`${own.url}/#/jobs/shifted`);
      const jobPreview = p.getByTestId('job-edit-preview');
      await jobPreview.getByRole('button', { name: 'What would a reload change?' }).click();
      await expect
        .poll(() => jobPreview.getByTestId('job-edit-verdict').textContent())
        .toMatch(/A reload would change this job/);
      expect(await jobPreview.locator('tr[data-job]').count()).toBe(1);
      expect(await jobPreview.locator('tr[data-job="shifted"] td').nth(2).textContent()).toBe('−168');
      await p.goto(`${own.url}/#/jobs/same`);
      await jobPreview.getByRole('button', { name: 'What would a reload change?' }).click();
      await jobPreview.getByTestId('plan-diff-none').waitFor();
      expect(await jobPreview.getByTestId('job-edit-verdict').textContent()).toMatch(/would change this job/);

      await p.goto(`${own.url}/#/folder`);
      await p.getByRole('button', { name: 'Check for changes' }).click();
      const preview = p.getByTestId('reload-preview');
      const diff = preview.getByTestId('plan-diff');
      await diff.waitFor();
      const row = (job: string) => diff.locator(`tr[data-job="${job}"]`);
      // Every second hourly run goes; the shifted job trades each of its runs for one half an hour later.
      expect(await row('every-hour').locator('td').nth(1).textContent()).toBe('+0');
      expect(await row('every-hour').locator('td').nth(2).textContent()).toBe('−84');
      expect(await row('shifted').locator('td').nth(1).textContent()).toBe('+168');
      expect(await row('shifted').locator('td').nth(2).textContent()).toBe('−168');
      expect(await row('shifted').textContent()).toMatch(/\+\s+\d{4}-\d\d-\d\d \d\d:\d\d:00 UTC/);
      expect(await row('shifted').textContent()).toMatch(/and 163 more/);
      // A change of program alone adds and removes no run.
      expect(await row('same').count()).toBe(0);
      expect(await preview.textContent()).toMatch(/change 3/);
      expect(await preview.getByTestId('reload-errors').textContent()).toMatch(/1 problem in job files/);
      await p.getByTestId('problems').getByText('bad.yaml').waitFor();
      await p.setViewportSize({ width: 900, height: 800 });
      const [scroll, client] = await p.evaluate<[number, number]>(
        '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
      );
      expect(scroll).toBeLessThanOrEqual(client);
      // Nothing applied yet.
      expect(await planned('every-hour')).toBe(24);
      await p.getByRole('button', { name: 'Reload jobs' }).click();
      expect(await p.getByRole('dialog').textContent()).toMatch(/change 3/);
      await p.getByTestId('confirm').click();
      await p.getByTestId('reload-result').waitFor();
      expect(await planned('every-hour')).toBe(12);
      // The forecast follows the reload.
      await p.goto(`${own.url}/#/plan`);
      await expect
        .poll(() => p.locator('section[data-job="every-hour"] h3').textContent())
        .toMatch(/12 runs/);
    } finally {
      await p.close();
      await own.stop();
    }
  });
});

describe('small screens', () => {
  it('at 900 px the attention panel, the forecast and a job with its next runs do not scroll sideways', async () => {
    const p = await browser.newPage({ viewport: { width: 900, height: 800 } });
    try {
      for (const [hash, ready] of [
        ['#/', 'attention-failures'],
        ['#/plan?from=2027-03-13T00:00:00.000Z&window=30d', 'dst-shifted'],
        ['#/jobs/sched/spring', 'next-runs'],
      ] as const) {
        await p.goto(`${served.url}/${hash}`);
        await p.getByTestId(ready).first().waitFor();
        const [scroll, client] = await p.evaluate<[number, number]>(
          '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
        );
        expect(scroll, hash).toBeLessThanOrEqual(client);
      }
    } finally {
      await p.close();
    }
  });
});
