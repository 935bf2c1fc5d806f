// The console's day-to-day tasks in a real browser against a real `apsis serve` (SPEC 19.8, issue 17): shareable
// views, job history, many runs at once, alerts, small screens, empty and broken states, and the bugs of the issue.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobFolder } from '../helpers/folders.js';
import { launchBrowser, serve, watchErrors, type Served } from './browser.js';

const JOBS = {
  'team/hello.yaml': 'params: [who]\nprogram: echo "hello {{ who }}"\nmetadata: {labels: [demo]}\n',
  'team/fails.yaml': 'program: "echo boom; exit 3"\n',
  'team/edited.yaml': 'program: "echo version-one"\n',
  'ops/long.yaml': 'program: "sleep 30"\n',
  'ops/later.yaml': 'program: {type: no-op}\n',
};

let browser: Browser;
let served: Served;
let dir: string;
let page: Page;

beforeAll(async () => {
  browser = await launchBrowser();
  dir = jobFolder(JOBS);
  served = await serve(dir, ['-o', 'stats.interval=1s']);
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

async function post(path: string, body?: unknown): Promise<Response> {
  return fetch(`${served.url}${path}`, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Creates runs through the API; returns their IDs. */
async function schedule(jobId: string, extra: Record<string, unknown> = {}, count = 1): Promise<string[]> {
  const r = await post(`/api/v1/runs?count=${count}`, { job_id: jobId, args: {}, ...extra });
  expect(r.status).toBe(200);
  return Object.keys(((await r.json()) as { runs: Record<string, unknown> }).runs);
}

async function stateOf(runId: string): Promise<string> {
  const r = (await (await fetch(`${served.url}/api/v1/runs/${runId}`)).json()) as {
    runs: Record<string, { state: string }>;
  };
  return r.runs[runId]?.state ?? 'missing';
}

async function until(runId: string, state: string): Promise<void> {
  await expect.poll(() => stateOf(runId), { timeout: 10_000 }).toBe(state);
}

async function rowsOf(p: Page): Promise<string[]> {
  const rows = p.getByTestId('run-list').locator('[data-run-id]');
  const out: string[] = [];
  for (let i = 0; i < (await rows.count()); i += 1)
    out.push((await rows.nth(i).getAttribute('data-run-id')) ?? '');
  return out;
}

/** The run list's scroll position. */
async function scrollTopOf(p: Page): Promise<number> {
  return p.evaluate<number>(`document.querySelector('[data-testid="run-list"]').scrollTop`);
}

describe('shareable views', () => {
  it('the run list filter lives in the URL; Back restores it; titles name the screen and the object', async () => {
    const [failed] = await schedule('team/fails');
    await until(failed as string, 'failure');
    await page.goto(`${served.url}/#/runs`);
    await page.getByTestId('run-list').locator('[data-run-id]').first().waitFor();
    await page.getByLabel('failure', { exact: true }).check();
    await expect.poll(() => page.url()).toMatch(/#\/runs\?state=failure$/);
    await expect.poll(() => page.title()).toBe('Runs (failure) · Apsis');
    await page.getByTestId('run-list').locator(`[data-run-id="${failed}"] a`).click();
    await expect.poll(() => page.title()).toBe(`${failed} failure · team/fails · Apsis`);
    await page.goBack();
    await expect.poll(() => page.url()).toMatch(/#\/runs\?state=failure$/);
    expect(await page.getByLabel('failure', { exact: true }).isChecked()).toBe(true);
    await expect.poll(() => rowsOf(page)).toContain(failed);
    expect(
      await page.getByTestId('run-list').locator('[data-run-id] .state').allTextContents(),
    ).not.toContain('success');
    // The link, opened in a new page by a colleague, shows the same view.
    const other = await browser.newPage();
    await other.goto(`${served.url}/#/runs?state=failure&order=asc&zone=UTC`);
    await expect.poll(() => rowsOf(other)).toContain(failed);
    expect(await other.getByLabel('failure', { exact: true }).isChecked()).toBe(true);
    expect(await other.getByRole('button', { name: 'sort order' }).textContent()).toBe('oldest first');
    expect(await other.getByLabel('time zone').inputValue()).toBe('UTC');
    await other.close();
  });

  it('the chart range is in the URL and Back returns to the previous one', async () => {
    await page.goto(`${served.url}/#/`);
    await page.getByRole('button', { name: '24 h' }).click();
    await expect.poll(() => page.url()).toMatch(/#\/\?range=24h$/);
    await page.getByRole('button', { name: '7 d' }).click();
    await expect.poll(() => page.url()).toMatch(/range=7d$/);
    await page.goBack();
    await expect.poll(() => page.url()).toMatch(/range=24h$/);
    await expect
      .poll(() => page.getByRole('button', { name: '24 h' }).getAttribute('aria-pressed'))
      .toBe('true');
  });

  it('a ?token= is dropped from the address once the cookie is set, and the console still works', async () => {
    const secured = await serve(dir, ['--token', 's3cret-token']);
    try {
      const p = await browser.newPage();
      await p.goto(`${secured.url}/?token=s3cret-token#/jobs`);
      await p.getByTestId('job-list').getByText('team/hello').waitFor();
      expect(p.url()).not.toContain('token');
      expect(p.url()).toMatch(/#\/jobs$/);
      await p.close();
    } finally {
      await secured.stop();
    }
  });
});

describe('job page', () => {
  it('lists runs by time with the next scheduled above, success rate, durations and the failure streak', async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const [next] = await schedule('team/fails', { times: { schedule: later } });
    const ran = await schedule('team/fails', {}, 2);
    for (const id of ran) await until(id, 'failure');
    await page.goto(`${served.url}/#/jobs/team/fails`);
    const rows = page.getByTestId('job-runs').locator('tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(4);
    expect(await rows.first().locator('td').first().textContent()).toBe(next);
    expect(await page.getByTestId('success-rate').textContent()).toBe('0%');
    expect(await page.getByTestId('streak').textContent()).toMatch(/^\d+ failures in a row$/);
    await page.getByRole('button', { name: '30d' }).click();
    await expect.poll(() => page.url()).toMatch(/#\/jobs\/team\/fails\?window=30d$/);
    expect(await page.title()).toBe('team/fails · job · Apsis');
  });

  it('shows the new definition right after a reload, without F5', async () => {
    await page.goto(`${served.url}/#/jobs/team/edited`);
    await page.getByTestId('definition').getByText('version-one').waitFor();
    writeFileSync(join(dir, 'team/edited.yaml'), 'program: "echo version-two"\n');
    expect((await post('/api/control/reload_jobs')).status).toBe(200);
    await page.getByTestId('definition').getByText('version-two').waitFor({ timeout: 5000 });
  });

  it('load error badges come and go live', async () => {
    await page.goto(`${served.url}/#/jobs`);
    const row = page.getByTestId('job-list').locator('tr', { hasText: 'team/edited' });
    await row.waitFor();
    expect(await row.getByText('load error').count()).toBe(0);
    writeFileSync(join(dir, 'team/edited.yaml'), 'program: {type: shel}\n');
    await post('/api/control/reload_jobs');
    await row.getByText('load error').waitFor({ timeout: 5000 });
    writeFileSync(join(dir, 'team/edited.yaml'), 'program: "echo version-three"\n');
    await post('/api/control/reload_jobs');
    await expect.poll(() => row.getByText('load error').count(), { timeout: 5000 }).toBe(0);
  });
});

describe('run page', () => {
  it('elapsed counts while the run runs', async () => {
    const [id] = await schedule('ops/long');
    await until(id as string, 'running');
    await page.goto(`${served.url}/#/runs/${id}`);
    const elapsed = page.getByTestId('elapsed');
    await expect.poll(() => elapsed.textContent()).toMatch(/^\d+\.\ds$/);
    const first = await elapsed.textContent();
    await expect.poll(() => elapsed.textContent(), { timeout: 5000 }).not.toBe(first);
    await post(`/api/v1/runs/${id}/stop`);
  });

  it('a finished run and a run that never ran log no warning and no failed request', async () => {
    const [done] = await schedule('team/hello', { args: { who: 'x' } });
    await until(done as string, 'success');
    const [never] = await schedule('team/hello', {
      args: { who: 'y' },
      times: { schedule: new Date(Date.now() + 3_600_000).toISOString() },
    });
    await post(`/api/v1/runs/${never}/skip`);
    const p = await browser.newPage();
    const errors = watchErrors(p);
    p.on('console', (m) => {
      if (m.type() === 'warning') errors.push(m.text());
    });
    await p.goto(`${served.url}/#/runs/${done}`);
    await p.getByTestId('output').getByText('hello x').waitFor();
    await p.evaluate(`location.hash = '#/runs/${never}'`);
    await p.getByTestId('no-output').waitFor();
    await p.waitForTimeout(500);
    expect(errors, errors.join('\n')).toEqual([]);
    await p.close();
  });
});

describe('run list', () => {
  it('the first ArrowDown starts at the now marker, not at the top', async () => {
    // 60 runs to come tomorrow put "now" far below the top of the list, newest first.
    await schedule('ops/later', { times: { schedule: new Date(Date.now() + 86_400_000).toISOString() } }, 60);
    // A fresh page, which opens the list with those runs in it.
    await page.goto('about:blank');
    await page.goto(`${served.url}/#/runs`);
    const list = page.getByTestId('run-list');
    await list.locator('[data-run-id]').first().waitFor();
    await expect.poll(() => scrollTopOf(page)).toBeGreaterThan(28 * 20);
    const before = await scrollTopOf(page);
    await list.focus();
    await page.keyboard.press('ArrowDown');
    const selected = list.locator('.row.selected');
    await selected.waitFor();
    expect(await scrollTopOf(page)).toBe(before);
    const state = await selected.locator('.state').textContent();
    expect(state).not.toBe('scheduled');
  });

  it('skips many runs at once behind one confirmation, with the result of each', async () => {
    const ids = await schedule(
      'ops/later',
      { times: { schedule: new Date(Date.now() + 7_200_000).toISOString() } },
      3,
    );
    const [done] = await schedule('team/hello', { args: { who: 'bulk' } });
    await until(done as string, 'success');
    await page.goto(`${served.url}/#/runs?job=ops/later&state=scheduled`);
    const list = page.getByTestId('run-list');
    await list.locator(`[data-run-id="${ids[0]}"]`).waitFor();
    await list.getByLabel(`pick ${ids[0]}`).click();
    await list.getByLabel(`pick ${ids[2]}`).click({ modifiers: ['Shift'] });
    await expect.poll(() => page.getByTestId('picked-count').textContent()).toBe('3 picked');
    await page.getByRole('button', { name: 'skip…' }).click();
    const dialog = page.getByRole('dialog');
    const text = (await dialog.textContent()) ?? '';
    expect(text).toMatch(/skip 3 runs: /);
    for (const id of ids) expect(text).toContain(`${id} (ops/later)`);
    await page.getByTestId('confirm').click();
    const results = page.getByTestId('bulk-results');
    await expect.poll(() => results.locator('li').count()).toBe(3);
    expect(await results.textContent()).toMatch(/3 done, 0 refused/);
    for (const id of ids) expect(await stateOf(id)).toBe('skipped');
  });

  it('no match says so and clears the filter', async () => {
    await page.goto(`${served.url}/#/runs?q=no-such-job-anywhere`);
    const empty = page.getByTestId('run-list-empty');
    await expect.poll(() => empty.textContent()).toMatch(/No run matches the filter/);
    await empty.getByRole('button', { name: 'clear filters' }).click();
    await page.getByTestId('run-list').locator('[data-run-id]').first().waitFor();
    await expect.poll(() => page.url()).toMatch(/#\/runs$/);
  });
});

describe('charts', () => {
  it('hover shows the time and the values; scheduled entries have their own chart', async () => {
    await page.goto(`${served.url}/#/`);
    const cpu = page.locator('figure', { hasText: 'CPU' });
    await cpu.locator('canvas').waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator('figure', { hasText: 'Scheduled entries' }).count()).toBe(1);
    expect(await page.locator('figure', { hasText: 'Tasks' }).locator('.u-legend').textContent()).not.toMatch(
      /scheduled/,
    );
    const legend = cpu.locator('.u-legend');
    // Hovered again at each look: the dashboard's panels above the charts (attention counts, hosts) fill in as their
    // data comes and move the chart after the pointer was placed.
    await expect
      .poll(async () => {
        const box = await cpu.locator('.u-over').boundingBox();
        if (box === null) return '';
        await page.mouse.move(box.x + box.width - 5, box.y + box.height / 2);
        return legend.textContent();
      })
      .toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    expect(await legend.textContent()).toMatch(/user[^%]*\d%/);
  });
});

describe('small screens', () => {
  it('at 900 px no screen scrolls sideways, and the run list keeps its times whole', async () => {
    const p = await browser.newPage({ viewport: { width: 900, height: 800 } });
    for (const hash of ['#/', '#/jobs', '#/runs', '#/jobs/team/hello', '#/plan', '#/folder', '#/export']) {
      await p.goto(`${served.url}/${hash}`);
      await p.waitForTimeout(400);
      const [scroll, client] = await p.evaluate<[number, number]>(
        '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
      );
      expect(scroll, hash).toBeLessThanOrEqual(client);
    }
    await p.goto(`${served.url}/#/runs`);
    const times = p.getByTestId('run-list').locator('.row .time:visible');
    await times.first().waitFor();
    const clipped = await p.evaluate<string[]>(
      `[...document.querySelectorAll('[data-testid="run-list"] .row .time')]
        .filter((e) => e.offsetParent !== null && e.textContent !== '' && e.scrollWidth > e.clientWidth)
        .map((e) => e.textContent)`,
    );
    expect(clipped).toEqual([]);
    const text = (await times.first().textContent()) ?? '';
    expect(text).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    await p.close();
  });
});

describe('alerts in the browser', () => {
  it('asks from a button, then shows a notification for a failure', async () => {
    const context = await browser.newContext();
    await context.grantPermissions(['notifications'], { origin: served.url });
    const p = await context.newPage();
    // The notification the page shows, as the browser is asked to show it.
    await p.addInitScript(`
      const shown = [];
      const Real = window.Notification;
      class Recording extends Real {
        constructor(title, options) {
          super(title, options);
          shown.push(title);
        }
      }
      Object.defineProperty(window, 'Notification', { value: Recording });
      window.shownNotifications = shown;
    `);
    await p.goto(`${served.url}/#/`);
    await p.getByRole('button', { name: 'notify me of failures' }).click();
    await p.getByRole('button', { name: 'alerts on' }).waitFor();
    await expect.poll(() => p.getByTestId('connection').textContent()).toBe('live');
    const [id] = await schedule('team/fails');
    await expect.poll(() => p.evaluate('window.shownNotifications')).toEqual([`${id} failure · team/fails`]);
    await context.close();
  });
});

describe('broken states', () => {
  it('opening a run while the server is down says it cannot be reached, never that it does not exist', async () => {
    const own = await serve(jobFolder({ 'a.yaml': 'program: {type: no-op}\n' }));
    const p = await browser.newPage();
    try {
      const r = await fetch(`${own.url}/api/v1/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ job_id: 'a', args: {} }),
      });
      const id = Object.keys(((await r.json()) as { runs: Record<string, unknown> }).runs)[0] as string;
      await p.goto(`${own.url}/#/runs`);
      await p.getByTestId('run-list').locator('[data-run-id]').first().waitFor();
      await own.stop();
      await p.getByTestId('disconnected').waitFor();
      await p.evaluate(`location.hash = '#/runs/${id}'`);
      await p.getByTestId('run-unreachable').waitFor();
      expect(await p.getByTestId('run-missing').count()).toBe(0);
      expect(await p.getByText('does not exist').count()).toBe(0);
    } finally {
      await p.close();
    }
  });

  it('with 300 jobs the dashboard stays compact', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i += 1)
      files[`many/job-${String(i).padStart(3, '0')}.yaml`] =
        'schedule: {type: interval, interval: 1h}\nprogram: {type: no-op}\n';
    const own = await serve(jobFolder(files));
    const p = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await p.goto(`${own.url}/#/`);
      await p.getByTestId('dashboard-jobs').getByText('300 jobs').waitFor();
      expect(await p.evaluate('document.documentElement.scrollHeight')).toBeLessThan(2000);
    } finally {
      await p.close();
      await own.stop();
    }
  });
});
