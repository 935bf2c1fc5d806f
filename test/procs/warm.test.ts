// The launch machinery is ready before `apsis serve` says it listens, and started again ahead of need when it dies
// (issue 18): the first runs after a start are as punctual as later ones.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jobFolder } from '../helpers/folders.js';
import { ServeProcesses, type Served } from '../helpers/serve.js';

const procs = new ServeProcesses();
afterEach(() => {
  procs.killAll();
});

function serve(dir: string, db: string): Promise<Served> {
  return procs.start([dir, '--db', db, '--port', '0']);
}

type LauncherStats = { helper_pid: number | null; helper_starts: number; launched: number; failed: number };
const launcher = async (url: string): Promise<LauncherStats> =>
  ((await (await fetch(`${url}/api/v1/stats`)).json()) as { launcher: LauncherStats }).launcher;

describe('launcher warm-up', () => {
  it('has its helper and fork server started, and one process launched, when serve prints listening', async () => {
    const dir = jobFolder({ 'x.yaml': 'program: "true"\n' });
    const db = join(mkdtempSync(join(tmpdir(), 'apsis-warm-')), 'apsis.db');
    const { url } = await serve(dir, db);
    const stats = await launcher(url);
    expect(stats.helper_pid).toEqual(expect.any(Number));
    expect(stats.helper_starts).toBe(1);
    expect(stats.launched).toBe(1); // the warm-up `true`, before any run
    expect(stats.failed).toBe(0);
    // Its files are gone once it ended.
    await expect.poll(() => existsSync(`${db}.runs/warm-up`), { timeout: 5000 }).toBe(false);
  });

  it('starts a helper that died again at once, before any launch needs it', async () => {
    const dir = jobFolder({ 'x.yaml': 'program: "true"\n' });
    const db = join(mkdtempSync(join(tmpdir(), 'apsis-warm-')), 'apsis.db');
    const { url } = await serve(dir, db);
    const first = await launcher(url);
    process.kill(first.helper_pid as number, 'SIGKILL');
    // Started again and warmed (a second trivial launch), with no run asking for it.
    await expect.poll(async () => (await launcher(url)).launched, { timeout: 10_000 }).toBe(2);
    const again = await launcher(url);
    expect(again.helper_starts).toBe(2);
    expect(again.helper_pid).not.toBe(first.helper_pid);
  });
});
