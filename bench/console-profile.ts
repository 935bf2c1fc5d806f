/**
 * Where the console's first render of many runs goes (issue 18), not a benchmark row: `npm run build && npx tsc -b
 * && node dist/bench/console-profile.js [full|compact]`. An engine holding BENCH_CONSOLE_RUNS (default 100,000)
 * finished runs serves the built console in-process; it prints
 * - the server's cost of the whole summary init (messages made and serialised, as one subscriber sees it) and its
 *   size in bytes;
 * - in a bare page, the WebSocket init: first and last frame, and the time spent in JSON.parse;
 * - in the console, navigation to #/runs until the first rows show and until every run is counted, with a CPU
 *   profile (CDP sampling) of that load: self time by function, the top ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '../main/engine/app.js';
import { SystemClock } from '../main/engine/clock.js';
import { defaultSettings } from '../main/engine/settings.js';
import { ConsoleService } from '../main/service/console-service.js';
import type { SummaryFrame } from '../main/service/feeds.js';
import { launchBrowser } from '../test/e2e/browser.js';
import { jobFolder } from '../test/helpers/folders.js';
import { serveConsole, waitForAllRuns } from './console-server.js';
import { fillFinishedRuns } from './fill.js';

const RUNS = Number(process.env['BENCH_CONSOLE_RUNS'] ?? 100_000);
const JOBS = 100;
const LOAD_SECONDS = 6;
const mode = process.argv[2] === 'compact' ? 'compact' : 'full';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
}

interface PageGlobals {
  document: {
    querySelector(selector: string): { textContent: string | null } | null;
    querySelectorAll(selector: string): { length: number };
  };
  WebSocket: new (url: string) => { onmessage: ((e: { data: string }) => void) | null; close(): void };
  location: { origin: string };
}

/**
 * One init as a WebSocket subscriber gets it: milliseconds from subscribing to its last frame (frames go one per
 * event-loop turn, so on an idle engine this is the CPU time of making them), of which serialising, and the bytes.
 */
async function serverInit(
  service: ConsoleService,
): Promise<{ ms: number; json: number; bytes: number; frames: number }> {
  let bytes = 0;
  let frames = 0;
  let json = 0;
  let last = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    let quiet: ReturnType<typeof setTimeout> | undefined;
    const stop = service.subscribeSummary(
      (frame: SummaryFrame) => {
        const j0 = performance.now();
        bytes += Buffer.byteLength(frame.json());
        last = performance.now();
        json += last - j0;
        frames += 1;
        clearTimeout(quiet);
        quiet = setTimeout(() => {
          stop();
          resolve();
        }, 200);
      },
      { init: true, compact: mode === 'compact' },
    );
  });
  return { ms: last - t0, json, bytes, frames };
}

async function main(): Promise<void> {
  const files: Record<string, string> = { 'live/noop.yaml': 'program: {type: no-op}\n' };
  for (let i = 0; i < JOBS; i += 1) files[`bench/job-${i}.yaml`] = `params: [date]\nprogram: {type: no-op}\n`;
  const jobDir = jobFolder(files);
  const dir = mkdtempSync(join(tmpdir(), 'apsis-profile-console-'));
  fillFinishedRuns(join(dir, 'full.db'), RUNS, JOBS, 'bench/job-');
  const app = App.open({
    jobDir,
    dbPath: join(dir, 'full.db'),
    settings: defaultSettings(),
    clock: new SystemClock(),
  });
  const service = new ConsoleService(app);
  const server = await serveConsole(app, service);
  const browser = await launchBrowser();
  try {
    const s = await serverInit(service);
    process.stdout.write(
      `server (${mode}): init of ${app.engine.runs.size} runs made and serialised in ${s.ms.toFixed(0)} ms (JSON.stringify ${s.json.toFixed(0)} ms), ${s.frames} frames, ${(s.bytes / 1e6).toFixed(1)} MB\n`,
    );
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.goto(`${server.url}/api/v1/stats`);
    for (let i = 0; i < 2; i += 1) {
      const bare = await page.evaluate(
        ([query]) =>
          new Promise<{ first: number; last: number; parse: number; frames: number }>((resolve) => {
            const w = globalThis as unknown as PageGlobals;
            const t0 = performance.now();
            let first = 0;
            let parse = 0;
            let frames = 0;
            let timer: ReturnType<typeof setTimeout> | undefined;
            const ws = new w.WebSocket(`${w.location.origin.replace('http', 'ws')}/api/v1/summary?${query}`);
            ws.onmessage = (e) => {
              const p0 = performance.now();
              if (frames === 0) first = p0 - t0;
              JSON.parse(e.data);
              parse += performance.now() - p0;
              frames += 1;
              clearTimeout(timer);
              const last = performance.now() - t0;
              timer = setTimeout(() => {
                ws.close();
                resolve({ first, last, parse, frames });
              }, 300);
            };
          }),
        [mode === 'compact' ? 'init&compact=1' : 'init'],
      );
      process.stdout.write(
        `bare page: first frame ${bare.first.toFixed(0)} ms, last ${bare.last.toFixed(0)} ms, ${bare.frames} frames, JSON.parse ${bare.parse.toFixed(0)} ms in all\n`,
      );
    }
    page.on('pageerror', (e) => process.stdout.write(`page error: ${String(e)}\n`));
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    for (let i = 0; i < 2; i += 1) {
      await page.goto('about:blank');
      if (i === 1) await cdp.send('Profiler.start');
      const t0 = Date.now();
      await page.goto(`${server.url}/#/runs`, { waitUntil: 'commit' });
      const firstRows = await page.waitForFunction(
        () =>
          (globalThis as unknown as PageGlobals).document.querySelectorAll(
            '[data-testid="run-list"] [data-run-id]',
          ).length > 0,
        undefined,
        { polling: 'raf', timeout: 60_000 },
      );
      void firstRows;
      const rowsAt = Date.now() - t0;
      await waitForAllRuns(page, app.engine.runs.size);
      const allAt = Date.now() - t0;
      process.stdout.write(`console: first rows ${rowsAt} ms, every run counted ${allAt} ms\n`);
    }
    printProfile('the second load', await cdp.send('Profiler.stop'));
    for (const filter of ['', 'job-7']) {
      await page.goto('about:blank');
      await page.goto(`${server.url}/#/runs`);
      await waitForAllRuns(page, app.engine.runs.size);
      if (filter !== '') await page.getByLabel('run keywords').fill(filter);
      await page.waitForTimeout(1000);
      await page.getByTestId('run-list').hover();
      await page.evaluate(() => {
        const w = globalThis as unknown as { longTasks: number[] };
        w.longTasks = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) w.longTasks.push(Math.round(e.duration));
        }).observe({ type: 'longtask' as 'mark', buffered: false });
      });
      await cdp.send('Profiler.start');
      const until = Date.now() + LOAD_SECONDS * 1000;
      const timer = setInterval(() => {
        for (let i = 0; i < 10; i += 1) app.engine.createRun('live/noop', {});
      }, 40);
      let wheels = 0;
      while (Date.now() < until) {
        await page.mouse.wheel(0, Math.floor(wheels / 150) % 2 === 0 ? 600 : -600);
        wheels += 1;
        await page.waitForTimeout(33);
      }
      clearInterval(timer);
      await page.waitForTimeout(1000);
      const longTasks = await page.evaluate(
        () => (globalThis as unknown as { longTasks: number[] }).longTasks,
      );
      process.stdout.write(
        `under load (250 runs/s, ${LOAD_SECONDS} s, wheel scrolling${filter === '' ? '' : `, filter ${filter}`}): long tasks ${JSON.stringify(longTasks)}\n`,
      );
      printProfile('the load', await cdp.send('Profiler.stop'));
    }
  } finally {
    await browser.close();
    await server.close();
    await app.shutdown();
    rmSync(dir, { recursive: true, force: true });
    rmSync(jobDir, { recursive: true, force: true });
  }
}

function printProfile(what: string, answer: unknown): void {
  const { profile } = answer as {
    profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  };
  const self = new Map<string, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const n = byId.get(id);
    if (n === undefined) return;
    const f = n.callFrame;
    const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').pop() ?? ''}:${f.lineNumber}:${f.columnNumber}`;
    self.set(name, (self.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 25);
  process.stdout.write(`self time (ms) of ${what}, top 25:\n`);
  for (const [name, ms] of top) process.stdout.write(`  ${ms.toFixed(1).padStart(8)}  ${name}\n`);
}

await main();
