/** Debian's chromium driven by playwright-core (never a downloaded browser), and `apsis serve` to point it at. */
import { APSIS_BIN } from '../helpers/folders.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); .ci/run does this`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface Served {
  url: string;
  dbPath: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Runs `apsis serve DIR` on an ephemeral loopback port, on a fresh database unless given one. */
export function serve(
  dir: string,
  extra: string[] = [],
  dbPath = join(mkdtempSync(join(tmpdir(), 'apsis-e2e-')), 'apsis.db'),
): Promise<Served> {
  const child = spawn(process.execPath, [APSIS_BIN, 'serve', dir, '--db', dbPath, '--port', '0', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`apsis serve did not start: ${out} ${err}`)), 15_000);
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolve({
          url: m[1] as string,
          dbPath,
          child,
          stop: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
  });
}

/** Collects console errors and page errors, which a test expects to stay empty. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
  });
  return errors;
}
