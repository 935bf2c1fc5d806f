/**
 * The console's forecast screen (SPEC 19.7, 19.8) over 30 days of a busy folder, in Debian's chromium against an
 * in-process engine and server serving the built console (`npm run build` first): 10 jobs every minute and 90 every
 * hour, about 500,000 runs. Measures the time from a click on "30 d" until every run is counted on the screen and
 * the longest task and frame meanwhile (goal: no task over 100 ms), against a bare page fetching the same forecast
 * at once and parsing it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '../main/engine/app.js';
import { SystemClock } from '../main/engine/clock.js';
import { defaultSettings } from '../main/engine/settings.js';
import { launchBrowser } from '../test/e2e/browser.js';
import { jobFolder } from '../test/helpers/folders.js';
import { readFrames, watchFrames } from './console.bench.js';
import { median, type BenchRow, type Benchmark } from './harness.js';
import { serveConsole } from './console-server.js';

const DAY_MS = 86_400_000;

/** The few page globals used below (the node project has no DOM types). */
interface PageGlobals {
  document: { querySelector(selector: string): { textContent: string | null } | null };
  fetch(url: string): Promise<{ json(): Promise<unknown[]> }>;
}

export const forecastBenchmark: Benchmark = {
  name: 'console-forecast',
  async run() {
    const files: Record<string, string> = {};
    for (let i = 0; i < 10; i += 1)
      files[`minute/job-${i}.yaml`] = 'schedule: {type: interval, interval: 1m}\nprogram: {type: no-op}\n';
    for (let i = 0; i < 90; i += 1)
      files[`hour/job-${i}.yaml`] =
        `schedule: {type: daily-interval, tz: America/New_York, start: "00:${String(i % 60).padStart(2, '0')}", stop: "23:59", interval: 1h}\nprogram: {type: no-op}\n`;
    const jobDir = jobFolder(files);
    const dir = mkdtempSync(join(tmpdir(), 'apsis-bench-forecast-'));
    const settings = defaultSettings();
    // Only the forecast is measured: no runs are made ahead.
    settings.schedule.horizon = 1;
    const app = App.open({ jobDir, dbPath: join(dir, 'db'), settings, clock: new SystemClock() });
    const server = await serveConsole(app);
    const browser = await launchBrowser();
    const rows: BenchRow[] = [];
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      // Baseline: the same 30 days fetched at once and parsed, in a page doing nothing else.
      await page.goto(`${server.url}/#/export`);
      const bare: number[] = [];
      let total = 0;
      for (let i = 0; i < 3; i += 1) {
        const [ms, n] = await page.evaluate(
          async (to) => {
            const w = globalThis as unknown as PageGlobals;
            const t0 = performance.now();
            const runs = await (await w.fetch(`/api/v1/plan?to=${to}`)).json();
            return [performance.now() - t0, runs.length] as const;
          },
          new Date(Date.now() + 30 * DAY_MS).toISOString(),
        );
        bare.push(ms);
        total = n;
      }
      const shown: number[] = [];
      const longest: number[] = [];
      const culprits: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        await page.goto('about:blank');
        await page.goto(`${server.url}/#/plan`);
        await page.getByTestId('forecast-summary').waitFor();
        await watchFrames(page);
        const t0 = Date.now();
        await page.getByRole('button', { name: '30 d' }).click();
        await page.waitForFunction(
          (n) => {
            const { document } = globalThis as unknown as PageGlobals;
            const text = document.querySelector('[data-testid="forecast-summary"]')?.textContent ?? '';
            return Number(/(\d+) runs? of/.exec(text)?.[1] ?? 0) >= n * 0.99;
          },
          total,
          { timeout: 120_000 },
        );
        shown.push(Date.now() - t0);
        await page.waitForTimeout(300);
        const f = await readFrames(page);
        longest.push(Math.max(f.maxLoaf, f.maxLongtask));
        culprits.push(f.loafCulprit);
      }
      const shownMs = median(shown);
      const worst = Math.max(...longest);
      rows.push({
        benchmark: `console forecast of 30 days, ${total} runs of 100 jobs, click to shown`,
        value: shownMs,
        unit: 'ms',
        goal: '—',
        met: null,
        baseline: {
          name: 'the same forecast fetched at once and parsed',
          value: median(bare),
          ratio: shownMs / median(bare),
        },
        note: `3 clicks: ${shown.join(', ')} ms (200 ms of each is the pause before asking); bare fetch and parse: ${bare.map((b) => b.toFixed(0)).join(', ')} ms`,
      });
      rows.push({
        benchmark: 'console forecast of 30 days, longest task or animation frame',
        value: worst,
        unit: 'ms',
        goal: '< 100 ms',
        met: worst < 100,
        note: `per click: ${longest.map((l) => l.toFixed(0)).join(', ')} ms (0: none over 50 ms); longest long-animation-frames: ${culprits.join(' | ') || 'none'}`,
      });
      if (errors.length > 0) throw new Error(`console errors: ${errors.join('\n')}`);
      return rows;
    } finally {
      await browser.close();
      await server.close();
      await app.shutdown();
      rmSync(dir, { recursive: true, force: true });
      rmSync(jobDir, { recursive: true, force: true });
    }
  },
};
