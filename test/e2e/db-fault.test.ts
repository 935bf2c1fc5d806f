// What an operator sees in the console when the engine cannot write its database (issue 9): a banner with the
// cause and the way on, on every screen, gone once the database can be written again.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServer, type ServerHarness } from '../server/server-harness.js';
import { launchBrowser, watchErrors } from './browser.js';

let browser: Browser;
let h: ServerHarness;

beforeAll(async () => {
  browser = await launchBrowser();
  h = await openServer(
    { 'quick.yaml': 'program: {type: no-op}\n' },
    { consoleDir: join(import.meta.dirname, '..', '..', 'renderer', 'dist'), warn: () => {} },
  );
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('console during a database fault', () => {
  it('shows why writes fail while they do, on every screen, and clears when they succeed', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`${h.url}/#/runs`);
    await page.getByTestId('connection').getByText('live').waitFor();
    const store = h.app.store;
    store.db.pragma('query_only = 1');
    h.app.engine.createRun('quick', {});
    const banner = page.getByTestId('db-write-error');
    await banner.waitFor({ timeout: 10_000 });
    expect(await banner.textContent()).toMatch(
      /cannot write its database.*attempt to write a readonly database \(SQLITE_READONLY\); make the file and its folder writable.*\d+ changes are held/s,
    );
    await page.goto(`${h.url}/#/jobs`);
    await banner.waitFor();
    store.db.pragma('query_only = 0');
    await banner.waitFor({ state: 'detached', timeout: 10_000 });
    // 503s of refused operations are not page errors; nothing else went wrong.
    expect(errors.filter((e) => !e.includes('503'))).toEqual([]);
    await page.close();
  }, 40_000);
});
