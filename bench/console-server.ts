/** What the console benchmarks share: the built console served for an engine on loopback, and waits on its pages. */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { App } from '../main/engine/app.js';
import { startServer, type RunningServer } from '../main/server/server.js';
import { ConsoleService } from '../main/service/console-service.js';

/** The built console (`npm run build`), from dist/bench/. */
export const CONSOLE_DIR = join(import.meta.dirname, '..', '..', 'renderer', 'dist');

/** `app`'s API and the built console on 127.0.0.1 at a free port, with no token. */
export function serveConsole(
  app: App,
  service: ConsoleService = new ConsoleService(app),
): Promise<RunningServer> {
  return startServer(service, { host: '127.0.0.1', port: 0, token: null, consoleDir: CONSOLE_DIR });
}

/** Resolves once the run list's count (`N of M`) says at least `n` runs are loaded. */
export async function waitForAllRuns(page: Page, n: number): Promise<void> {
  await page.waitForFunction(
    (want) => {
      const doc = (
        globalThis as unknown as {
          document: { querySelector(s: string): { textContent: string | null } | null };
        }
      ).document;
      const text = doc.querySelector('[data-testid="run-count"]')?.textContent ?? '';
      return Number(/(\d+) of (\d+)/.exec(text)?.[2] ?? 0) >= want;
    },
    n,
    { polling: 'raf', timeout: 60_000 },
  );
}
