// The console shows remote hosts (SPEC 24.3) in chromium against `apsis serve` and real sshd: a dashboard row per
// host with its state, running count and failures; the host in the run list and the run detail.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobFolder } from '../helpers/folders.js';
import { SshFarm, skipRemote } from '../helpers/sshd.js';
import { launchBrowser, serve, watchErrors, type Served } from '../e2e/browser.js';

let farm: SshFarm;
let browser: Browser;
let served: Served;
let page: Page;
let errors: string[];

async function post(path: string, body: unknown): Promise<string> {
  const res = await fetch(`${served.url}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { runs: Record<string, unknown> };
  return Object.keys(json.runs)[0] as string;
}

async function stateOf(runId: string): Promise<string> {
  const res = await fetch(`${served.url}/api/v1/runs/${runId}/state`);
  return ((await res.json()) as { state: string }).state;
}

describe.skipIf(skipRemote())('remote hosts in the console', () => {
  beforeAll(async () => {
    farm = await SshFarm.start(2);
    await farm.addDeadHost('dead');
    browser = await launchBrowser();
    served = await serve(
      jobFolder({
        'remote/long.yaml': 'program: {type: shell, host: w1, command: "sleep 30"}\n',
        'remote/quick.yaml': 'program: {type: program, host: pool, argv: [/bin/echo, hi]}\n',
        'remote/nowhere.yaml': 'program: {type: shell, host: dead, command: "true"}\n',
      }),
      [
        '-o',
        `remote.ssh_config=${farm.sshConfig}`,
        '-o',
        'remote.connect_timeout=2s',
        '-o',
        'host_groups={pool: {type: round-robin, hosts: [w2]}}',
      ],
    );
    page = await browser.newPage();
    errors = watchErrors(page);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
    farm?.close();
  });

  it('a row per host on the dashboard; the host in the run list and the run detail', async () => {
    const long = await post('/runs', { job_id: 'remote/long' });
    const quick = await post('/runs', { job_id: 'remote/quick' });
    const nowhere = await post('/runs', { job_id: 'remote/nowhere' });
    await expect.poll(() => stateOf(long), { timeout: 15_000 }).toBe('running');
    await expect.poll(() => stateOf(quick), { timeout: 15_000 }).toBe('success');
    await expect.poll(() => stateOf(nowhere), { timeout: 15_000 }).toBe('error');

    await page.goto(served.url);
    const hosts = page.getByTestId('dashboard-hosts');
    const row = (host: string) => hosts.locator(`tr[data-host="${host}"] td`);
    await expect
      .poll(() => row('w1').allTextContents(), { timeout: 10_000 })
      .toEqual(['w1', 'up', '1', '0', '1', expect.stringMatching(/ ms$/)]);
    await expect.poll(() => row('w2').nth(2).textContent()).toBe('0');
    await expect.poll(() => row('w2').nth(4).textContent()).toBe('1');
    await expect.poll(() => row('dead').nth(1).textContent()).toMatch(/^down since /);
    await expect.poll(() => row('dead').nth(3).textContent()).toBe('1');
    // Needs attention names the unreachable host.
    const unreachable = page.getByTestId('attention-hosts');
    await expect
      .poll(async () => (await unreachable.textContent())?.replace(/\s+/g, ' ').trim(), { timeout: 10_000 })
      .toBe('1 host unreachable dead');
    // Its count shows the hosts table, with that host's row marked.
    await unreachable.getByRole('button').click();
    await expect
      .poll(() => page.locator('[data-testid="dashboard-hosts"] tr.picked').getAttribute('data-host'))
      .toBe('dead');
    expect(await page.locator('[data-testid="dashboard-hosts"]').isVisible()).toBe(true);

    await page.goto(`${served.url}/#/runs`);
    await expect.poll(() => page.locator(`[data-run-id="${long}"] .host`).textContent()).toBe('@w1');
    await expect.poll(() => page.locator(`[data-run-id="${quick}"] .host`).textContent()).toBe('@w2');
    await expect(page.locator(`[data-run-id="${nowhere}"] .host`).count()).resolves.toBe(0);

    await page.goto(`${served.url}/#/runs/${long}`);
    await expect.poll(() => page.getByTestId('run-host').textContent()).toMatch(/^on host w1( \(.+\))?$/);
    await page.goto(`${served.url}/#/runs/${nowhere}`);
    await expect.poll(() => page.getByTestId('run-host').textContent()).toBe('on host dead');
    expect(errors).toEqual([]);
    await fetch(`${served.url}/api/v1/runs/${long}/stop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
  });
});
