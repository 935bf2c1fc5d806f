/**
 * The console with 100,000 runs in memory (SPEC 19.3, 19.7, 20, AC-30), in Debian's chromium against an
 * in-process engine and server serving the built console (renderer/dist; `npm run build` first):
 * - first render: navigation to `#/runs` until the run list shows its first rows (the compact init's first chunk),
 *   and until it shows rows with every run counted, against bare compact and full inits;
 * - longest frame on the run list and on the dashboard while the engine makes ~1000 transitions/s for
 *   BENCH_CONSOLE_SECONDS (default 10);
 * - a filter typed into the run list: time until the filtered count shows, and the longest task meanwhile;
 *   and the longest task while scrolling the list;
 * - longest frame while wheel-scrolling the run list with the engine making ~1000 transitions/s (issue 17);
 * - heap of the engine process holding the runs (before/after restoring them), per 100,000 runs.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Page } from 'playwright-core';
import { App } from '../main/engine/app.js';
import { SystemClock } from '../main/engine/clock.js';
import { defaultSettings } from '../main/engine/settings.js';
import { fillFinishedRuns } from './fill.js';
import { launchBrowser } from '../test/e2e/browser.js';
import { jobFolder } from '../test/helpers/folders.js';
import { median, type BenchRow, type Benchmark } from './harness.js';
import { CONSOLE_DIR, serveConsole } from './console-server.js';

const RUNS = Number(process.env['BENCH_CONSOLE_RUNS'] ?? 100_000);
const LOAD_SECONDS = Number(process.env['BENCH_CONSOLE_SECONDS'] ?? 10);
const JOBS = 100;
/** No-op runs created per second under load; each makes 4 transitions (scheduled, starting, running, success). */
const RUNS_PER_SECOND = 250;

/** A full garbage collection, for heap figures (exposed at run time: `npm run bench` passes no flags). */
const gc = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function openApp(jobDir: string, dbPath: string): App {
  const settings = defaultSettings();
  return App.open({ jobDir, dbPath, settings, clock: new SystemClock() });
}

/**
 * The few browser globals the page functions below use. They run in the page, not here: the node project has no
 * DOM types, and pulling them in would type every other module against the DOM.
 */
/** A long-animation-frame or longtask entry (scripts and styleAndLayoutStart: long animation frames only). */
interface LongFrameEntry {
  duration: number;
  startTime: number;
  styleAndLayoutStart?: number;
  scripts?: {
    duration: number;
    invoker: string;
    sourceFunctionName: string;
    sourceURL: string;
    sourceCharPosition: number;
  }[];
}

interface PageGlobals {
  document: {
    querySelector(selector: string): { textContent: string | null } | null;
    querySelectorAll(selector: string): { length: number };
  };
  requestAnimationFrame(callback: (time: number) => void): number;
  PerformanceObserver: new (callback: (list: { getEntries(): LongFrameEntry[] }) => void) => {
    observe(options: { type: string; buffered: boolean }): void;
  };
  benchFrames: { raf: number[]; loaf: { duration: number; culprit: string }[]; longtask: number[] };
  /** performance.now() of the latest input event. */
  benchInputAt: number;
  addEventListener(type: string, listener: () => void, capture: boolean): void;
  WebSocket: new (url: string) => {
    onmessage: ((e: { data: string }) => void) | null;
    close(): void;
  };
  location: { origin: string };
}

/** Installs frame and long-task recorders in the page; `readFrames` returns and resets them. */
export async function watchFrames(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    w.benchFrames = { raf: [], loaf: [], longtask: [] };
    let last = performance.now();
    const tick = (t: number): void => {
      w.benchFrames.raf.push(t - last);
      last = t;
      w.requestAnimationFrame(tick);
    };
    w.requestAnimationFrame(tick);
    for (const type of ['long-animation-frame', 'longtask'])
      new w.PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          if (type === 'longtask') {
            w.benchFrames.longtask.push(e.duration);
            continue;
          }
          // Where a long frame went: its longest script, and style and layout.
          const script = [...(e.scripts ?? [])].sort((a, b) => b.duration - a.duration)[0];
          const layout = e.startTime + e.duration - (e.styleAndLayoutStart ?? e.startTime + e.duration);
          const where =
            script === undefined
              ? 'no script'
              : `script ${script.duration.toFixed(0)} ms in ${script.invoker} ${script.sourceFunctionName}@${script.sourceURL.split('/').pop() ?? ''}:${script.sourceCharPosition}`;
          w.benchFrames.loaf.push({
            duration: e.duration,
            culprit: `${where}; style and layout ${layout.toFixed(0)} ms`,
          });
        }
      }).observe({ type, buffered: false });
  });
}

export interface Frames {
  /** Longest requestAnimationFrame interval (ms). */
  maxRaf: number;
  /** Frames over 50 ms, of all. */
  over50: number;
  frames: number;
  /** Longest long animation frame (ms; entries start at 50 ms), 0 when none. */
  maxLoaf: number;
  /** Where the longest long animation frame went. */
  loafCulprit: string;
  /** Longest long task (ms; entries start at 50 ms), 0 when none. */
  maxLongtask: number;
}

export async function readFrames(page: Page): Promise<Frames> {
  return page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    const { raf, loaf, longtask } = w.benchFrames;
    const out = {
      maxRaf: Math.max(0, ...raf),
      over50: raf.filter((d) => d > 50).length,
      frames: raf.length,
      maxLoaf: Math.max(0, ...loaf.map((l) => l.duration)),
      loafCulprit: [...loaf].sort((a, b) => b.duration - a.duration)[0]?.culprit ?? '',
      maxLongtask: Math.max(0, ...longtask),
    };
    w.benchFrames = { raf: [], loaf: [], longtask: [] };
    return out;
  });
}

/**
 * Milliseconds from navigation until the run list first shows rows (the runs nearest the present, from the first
 * chunk of the compact init), and until it shows rows with at least `total` runs counted.
 */
async function firstRender(page: Page, url: string, total: number): Promise<{ rows: number; all: number }> {
  await page.goto('about:blank');
  await page.goto(`${url}/#/runs`, { waitUntil: 'commit' });
  const shown = (n: number): Promise<number> =>
    page
      .waitForFunction(
        (atLeast) => {
          const { document } = globalThis as unknown as PageGlobals;
          const text = document.querySelector('[data-testid="run-count"]')?.textContent ?? '';
          const m = /(\d+) of (\d+)/.exec(text);
          const rows = document.querySelectorAll('[data-testid="run-list"] [data-run-id]').length;
          return m !== null && Number(m[2]) >= atLeast && rows > 0 ? performance.now() : false;
        },
        n,
        { polling: 'raf', timeout: 60_000 },
      )
      .then(async (handle) => (await handle.jsonValue()) as number);
  const rows = await shown(1);
  return { rows, all: await shown(total) };
}

/** Creates RUNS_PER_SECOND no-op runs a second for `seconds`; resolves with the transitions seen per second. */
async function load(app: App, seconds: number): Promise<number> {
  let transitions = 0;
  const off = app.engine.events.on('transition', () => (transitions += 1));
  const tickMs = 40;
  const perTick = (RUNS_PER_SECOND * tickMs) / 1000;
  await new Promise<void>((resolve) => {
    let ticks = 0;
    const timer = setInterval(() => {
      for (let i = 0; i < perTick; i += 1) app.engine.createRun('live/noop', {});
      ticks += 1;
      if (ticks * tickMs >= seconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, tickMs);
  });
  // Let the last runs finish and the last summary batch (every 0.5 s) reach the page.
  await new Promise((r) => setTimeout(r, 1000));
  off();
  // Every transition of the runs created in the window, over the window.
  return transitions / seconds;
}

/** Longest frame figures while the engine is under load, on the page at `hash`. */
async function framesUnderLoad(
  page: Page,
  app: App,
  url: string,
  hash: string,
): Promise<{ frames: Frames; rate: number }> {
  await page.goto('about:blank');
  await page.goto(`${url}/${hash}`);
  await page.waitForFunction(
    (n) => {
      const { document } = globalThis as unknown as PageGlobals;
      const text = document.querySelector('[data-testid="run-count"]')?.textContent;
      if (typeof text === 'string') return Number(/of (\d+)/.exec(text)?.[1] ?? 0) >= n;
      // The dashboard: its runs-by-state counts add up to every run.
      let sum = 0;
      for (const s of ['success', 'failure'])
        sum += Number(document.querySelector(`[data-state="${s}"] .mono`)?.textContent ?? 0);
      return sum >= n;
    },
    RUNS,
    { timeout: 60_000 },
  );
  // Let the init settle (stats history, charts), then record only the load.
  await page.waitForTimeout(1500);
  await watchFrames(page);
  await page.waitForTimeout(200);
  await readFrames(page);
  const rate = await load(app, LOAD_SECONDS);
  return { frames: await readFrames(page), rate };
}

/**
 * Milliseconds from opening the summary stream with init (`query`: `init` or `init&compact=1`) to the last of
 * `total` runs parsed, in a bare page: the floor under the first render that the server and the transport set.
 */
async function bareInit(page: Page, url: string, total: number, query: string): Promise<number> {
  await page.goto(`${url}/api/v1/stats`);
  return page.evaluate(
    ([n, q]) =>
      new Promise<number>((resolve) => {
        const w = globalThis as unknown as PageGlobals;
        const t0 = performance.now();
        let runs = 0;
        const ws = new w.WebSocket(`${w.location.origin.replace('http', 'ws')}/api/v1/summary?${q}`);
        ws.onmessage = (e) => {
          const messages = JSON.parse(e.data) as { type: string; runs?: unknown[] }[];
          for (const m of messages)
            if (m.type === 'run_summary') runs += 1;
            else if (m.type === 'run_summaries') runs += m.runs?.length ?? 0;
          if (runs >= n) {
            ws.close();
            resolve(performance.now() - t0);
          }
        };
      }),
    [total, query] as const,
  );
}

/** Types `text` into the run keywords filter; ms from the last keystroke until the count shows `expected`. */
async function typeFilter(page: Page, text: string, expected: number): Promise<number> {
  const input = page.getByLabel('run keywords');
  await input.click();
  await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    w.addEventListener('input', () => (w.benchInputAt = performance.now()), true);
  });
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(text, { delay: 60 });
  const handle = await page.waitForFunction(
    (n) => {
      const w = globalThis as unknown as PageGlobals;
      const text = w.document.querySelector('[data-testid="run-count"]')?.textContent ?? '';
      return Number(/^(\d+) of/.exec(text)?.[1] ?? -1) === n ? performance.now() - w.benchInputAt : false;
    },
    expected,
    { polling: 'raf', timeout: 30_000 },
  );
  return (await handle.jsonValue()) as number;
}

function row(
  benchmark: string,
  value: number,
  unit: string,
  goal: string,
  met: boolean | null,
  note?: string,
): BenchRow {
  return { benchmark, value, unit, goal, met, ...(note === undefined ? {} : { note }) };
}

function describeFrames(f: Frames, rate: number): string {
  const culprit = f.maxLoaf > 0 ? ` (${f.loafCulprit})` : '';
  return `${Math.round(rate)} transitions/s; ${f.frames} frames, ${f.over50} over 50 ms; longest long-animation-frame ${f.maxLoaf.toFixed(0)} ms${culprit}, longest task ${f.maxLongtask.toFixed(0)} ms (0: none over 50 ms)`;
}

export const consoleBenchmark: Benchmark = {
  name: 'console',
  async run() {
    if (!existsSync(join(CONSOLE_DIR, 'index.html')))
      throw new Error(`${CONSOLE_DIR} has no built console: run \`npm run build\` first`);
    const files: Record<string, string> = { 'live/noop.yaml': 'program: {type: no-op}\n' };
    for (let i = 0; i < JOBS; i += 1)
      files[`bench/job-${i}.yaml`] =
        `params: [date]\nprogram: {type: no-op}\nmetadata: {description: "Benchmark job ${i}."${i % 3 === 0 ? ', labels: [etl]' : ''}}\n`;
    const jobDir = jobFolder(files);
    const dir = mkdtempSync(join(tmpdir(), 'apsis-bench-console-'));
    const rows: BenchRow[] = [];
    try {
      // Heap held by the restored runs: an engine on an empty DB, then one on the full DB.
      const before = heapUsed();
      const empty = openApp(jobDir, join(dir, 'empty.db'));
      const emptyHeap = heapUsed() - before;
      await empty.shutdown();
      fillFinishedRuns(join(dir, 'full.db'), RUNS, JOBS, 'bench/job-');
      const beforeFull = heapUsed();
      const app = openApp(jobDir, join(dir, 'full.db'));
      const fullHeap = heapUsed() - beforeFull;
      const held = app.engine.runs.size;
      rows.push({
        benchmark: `engine heap per 100,000 finished runs held (${held} runs)`,
        value: ((fullHeap - emptyHeap) / 1e6) * (100_000 / held),
        unit: 'MB',
        goal: '< 50 MB',
        met: ((fullHeap - emptyHeap) / held) * 100_000 < 50e6,
        baseline: { name: 'engine on an empty DB', value: emptyHeap / 1e6, ratio: fullHeap / emptyHeap },
        note: `heap after restore minus heap before: ${(fullHeap / 1e6).toFixed(1)} MB with the runs, ${(emptyHeap / 1e6).toFixed(1)} MB without`,
      });

      const server = await serveConsole(app);
      const browser = await launchBrowser();
      try {
        const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(String(e)));

        // (a) First render, three navigations (the first with a cold cache), against the bare summary inits.
        const renders: { rows: number; all: number }[] = [];
        for (let i = 0; i < 3; i += 1) renders.push(await firstRender(page, server.url, held));
        const bare: number[] = [];
        const bareFull: number[] = [];
        for (let i = 0; i < 3; i += 1) {
          bare.push(await bareInit(page, server.url, held, 'init&compact=1'));
          bareFull.push(await bareInit(page, server.url, held, 'init'));
        }
        const firstMs = median(renders.map((r) => r.rows));
        const allMs = median(renders.map((r) => r.all));
        const bareMs = median(bare);
        const ms = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');
        rows.push({
          ...row(
            `console first render of #/runs with ${held} runs`,
            firstMs,
            'ms',
            '< 500 ms',
            firstMs < 500,
            `navigation to the first rows shown (the runs nearest the present, first chunk of the compact init), median of 3: ${ms(renders.map((r) => r.rows))} ms; bare compact init: ${ms(bare)} ms; bare full init: ${ms(bareFull)} ms`,
          ),
          baseline: { name: 'bare compact summary init, no page', value: bareMs, ratio: firstMs / bareMs },
        });
        rows.push({
          ...row(
            `console every run loaded on #/runs (${held} runs)`,
            allMs,
            'ms',
            '—',
            null,
            `navigation to rows shown with all runs counted, median of 3: ${ms(renders.map((r) => r.all))} ms`,
          ),
          baseline: { name: 'bare compact summary init, no page', value: bareMs, ratio: allMs / bareMs },
        });

        // (b) Longest frame while the engine makes ~1000 transitions/s.
        for (const [name, hash] of [
          ['run list', '#/runs'],
          ['dashboard', '#/'],
        ] as const) {
          const { frames, rate } = await framesUnderLoad(page, app, server.url, hash);
          rows.push(
            row(
              `console longest frame, ${name}, ${held}+ runs, ${LOAD_SECONDS} s of load`,
              frames.maxRaf,
              'ms',
              '<= 50 ms',
              frames.maxRaf <= 50,
              describeFrames(frames, rate),
            ),
          );
        }

        // (c) A filter typed into the run list, then scrolling it; the longest task over both.
        await page.goto(`${server.url}/#/runs`);
        const total = app.engine.runs.size;
        await page.waitForFunction(
          (n) => {
            const { document } = globalThis as unknown as PageGlobals;
            return (document.querySelector('[data-testid="run-count"]')?.textContent ?? '').endsWith(
              `of ${n}`,
            );
          },
          total,
          { timeout: 60_000 },
        );
        await page.waitForTimeout(500);
        await watchFrames(page);
        let expected = 0;
        for (const run of app.engine.runs.all()) if (run.jobId.includes('job-7')) expected += 1;
        const filterMs = await typeFilter(page, 'job-7', expected);
        const clearMs = await typeFilter(page, '', total);
        const filterFrames = await readFrames(page);
        rows.push(
          row(
            `console filter typed ("job-7", ${expected} of ${total} runs) until the count shows`,
            filterMs,
            'ms',
            '—',
            null,
            `from the last keystroke; includes the list's 150 ms debounce; clearing it: ${clearMs.toFixed(0)} ms`,
          ),
        );
        const viewport = page.getByTestId('run-list');
        await viewport.hover();
        for (let i = 0; i < 40; i += 1) {
          await page.mouse.wheel(0, i % 10 === 9 ? 400_000 : 2000);
          await page.waitForTimeout(16);
        }
        for (const key of ['Home', 'PageDown', 'PageDown', 'End', 'ArrowUp', 'ArrowUp']) {
          await viewport.press(key);
          await page.waitForTimeout(50);
        }
        const scrollFrames = await readFrames(page);
        const longest = Math.max(
          filterFrames.maxLoaf,
          filterFrames.maxLongtask,
          scrollFrames.maxLoaf,
          scrollFrames.maxLongtask,
        );
        rows.push(
          row(
            `console longest task while filtering and scrolling ${total} runs`,
            longest,
            'ms',
            '< 100 ms',
            longest < 100,
            `0: no task over 50 ms; longest frame filtering ${filterFrames.maxRaf.toFixed(0)} ms, scrolling ${scrollFrames.maxRaf.toFixed(0)} ms; longest long-animation-frame: ${[filterFrames, scrollFrames].sort((a, b) => b.maxLoaf - a.maxLoaf)[0]?.loafCulprit || 'none'}`,
          ),
        );
        // (d) Wheel-scrolling the run list while the engine makes ~1000 transitions/s (SPEC 20, issue 17): an
        // operator reading the list while runs change under it.
        await page.goto('about:blank');
        await page.goto(`${server.url}/#/runs`);
        const now = app.engine.runs.size;
        await page.waitForFunction(
          (n) => {
            const { document } = globalThis as unknown as PageGlobals;
            const text = document.querySelector('[data-testid="run-count"]')?.textContent ?? '';
            return Number(/of (\d+)/.exec(text)?.[1] ?? 0) >= n;
          },
          now,
          { timeout: 60_000 },
        );
        await page.waitForTimeout(1000);
        await page.getByTestId('run-list').hover();
        await watchFrames(page);
        await page.waitForTimeout(200);
        await readFrames(page);
        const loading = load(app, LOAD_SECONDS);
        const wheelUntil = Date.now() + LOAD_SECONDS * 1000;
        let wheels = 0;
        // About 30 wheel notches a second, down then back up, for as long as the load lasts (bounded by time).
        while (Date.now() < wheelUntil) {
          await page.mouse.wheel(0, Math.floor(wheels / 150) % 2 === 0 ? 600 : -600);
          wheels += 1;
          await page.waitForTimeout(33);
        }
        const busyRate = await loading;
        const busyFrames = await readFrames(page);
        rows.push(
          row(
            `console longest frame wheel-scrolling the run list, ${now}+ runs, ${LOAD_SECONDS} s of load`,
            busyFrames.maxRaf,
            'ms',
            '<= 50 ms',
            busyFrames.maxRaf <= 50,
            `${wheels} wheel events; ${describeFrames(busyFrames, busyRate)}`,
          ),
        );
        if (errors.length > 0) throw new Error(`console errors: ${errors.join('\n')}`);
      } finally {
        await browser.close();
        await server.close();
        await app.shutdown();
      }
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(jobDir, { recursive: true, force: true });
    }
  },
};
