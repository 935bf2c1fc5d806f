/**
 * Screenshots of every console screen for docs/console.md, in Debian's chromium (never a downloaded browser).
 *
 *   npm run build && npx tsc -p scripts && node dist/scripts/screenshots.js
 *
 * Serves a copy of examples/jobs with `-o stats.interval=1s` on a fresh database, schedules a few runs through the
 * API, waits for them and for some stats history, then writes docs/screenshots/*.png: every screen at 1400x900 in
 * the light theme (NAME.png) and the dark one (NAME-dark.png), and at 900 px wide (NAME-900.png).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, serve } from '../test/e2e/browser.js';

const ROOT = join(import.meta.dirname, '..', '..');
const OUT = join(ROOT, 'docs', 'screenshots');
const VIEWPORT = { width: 1400, height: 900 };

/** Schedules a run through the API; returns its ID. */
async function schedule(
  url: string,
  jobId: string,
  args: Record<string, string> = {},
  times: Record<string, string> = {},
): Promise<string> {
  const r = await fetch(`${url}/api/v1/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ job_id: jobId, args, times }),
  });
  if (!r.ok) throw new Error(`scheduling ${jobId}: ${r.status} ${await r.text()}`);
  const runId = Object.keys(((await r.json()) as { runs: Record<string, unknown> }).runs)[0];
  if (runId === undefined) throw new Error(`scheduling ${jobId}: no run in the answer`);
  return runId;
}

async function stateOf(url: string, runId: string): Promise<string> {
  const r = await fetch(`${url}/api/v1/runs/${runId}`);
  return ((await r.json()) as { runs: Record<string, { state: string }> }).runs[runId]?.state ?? '';
}

/** Opens `hash`, does `act`, waits for `ready` (a selector) and for the page to settle, and writes `name`.png. */
async function shoot(
  page: Page,
  url: string,
  [hash, ready, name, act]: Screen,
  suffix: string,
): Promise<void> {
  await page.goto('about:blank');
  await page.goto(`${url}/${hash}`);
  if (act !== undefined) await act(page);
  await page.locator(ready).first().waitFor({ timeout: 15_000 });
  // Past the next once-a-second stats refresh, so the counters include this page's own subscription.
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(OUT, `${name}${suffix}.png`) });
  process.stdout.write(`wrote docs/screenshots/${name}${suffix}.png\n`);
}

/** A screen: its hash, a selector it is ready at, the file name, and what to do on it first. */
type Screen = [string, string, string, ((page: Page) => Promise<void>)?];

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'renderer', 'dist', 'index.html')))
    throw new Error('renderer/dist has no built console: run `npm run build` first');
  mkdirSync(OUT, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'apsis-screenshots-'));
  // A copy of the sample folder: its stats job writes beside the jobs.
  const jobs = join(dir, 'jobs');
  cpSync(join(ROOT, 'examples', 'jobs'), jobs, { recursive: true });
  const served = await serve(jobs, ['-o', 'stats.interval=1s']);
  // An edit not reloaded yet, for the reload preview of the job folder screen: publish-orders moves from 06:00 to 06:30.
  const edited = join(jobs, 'etl', 'publish-orders.yaml');
  writeFileSync(edited, readFileSync(edited, 'utf8').replace('"06:00:00"', '"06:30:00"'));
  const browser = await launchBrowser();
  try {
    const { url } = served;
    const hello = await schedule(url, 'demo/manual', { who: 'docs' });
    await schedule(
      url,
      'demo/manual',
      { who: 'ops' },
      { schedule: new Date(Date.now() + 3_600_000).toISOString() },
    );
    for (let i = 0; i < 4; i += 1) await schedule(url, 'demo/fail-sometimes');
    const today = new Date().toISOString().slice(0, 10);
    await schedule(url, 'etl/load-orders', { date: today, time: new Date().toISOString().slice(0, 19) });
    await schedule(url, 'reports/daily-pnl', { date: today });
    await schedule(url, 'internal/heartbeat');
    await schedule(url, 'ops/feed-handler', { time: new Date().toISOString().slice(0, 19) });
    // Some stats history (a sample a second) and the runs done, the feed handler still running.
    const deadline = Date.now() + 20_000;
    while ((await stateOf(url, hello)) !== 'success' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 500));
    await new Promise((r) => setTimeout(r, 6000));

    const screens: Screen[] = [
      ['#/', '.uplot', 'dashboard'],
      ['#/jobs', '[data-job-id]', 'jobs'],
      ['#/jobs/reports/daily-pnl', '[data-testid="next-runs"] tbody tr', 'job'],
      ['#/runs', '[data-run-id]', 'runs'],
      [`#/runs/${hello}`, '[data-testid="output"] >> text=hello, docs', 'run'],
      ['#/plan', '[data-testid="forecast-summary"]', 'plan'],
      [
        '#/folder',
        '[data-testid="plan-diff"]',
        'folder',
        (page) => page.getByRole('button', { name: 'Check for changes' }).click(),
      ],
      ['#/export', 'h2', 'export'],
    ];
    for (const [suffix, viewport, colorScheme] of [
      ['', VIEWPORT, 'light'],
      ['-dark', VIEWPORT, 'dark'],
      ['-900', { width: 900, height: 900 }, 'light'],
    ] as const) {
      const context = await browser.newContext({ viewport, colorScheme });
      const page = await context.newPage();
      for (const screen of screens) await shoot(page, url, screen, suffix);
      await context.close();
    }
  } finally {
    await browser.close();
    await served.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
