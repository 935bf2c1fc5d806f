// scripts/desktop-smoke, the automated part of the first-launch checklist (docs/desktop.md). Without an Electron
// binary it skips, saying so. Its checks are run here against a stand-in for the packaged app (`--app`): a Node
// program composing the desktop's real engine host and quit flow as app.ts does (no window, no Electron), so the
// script's waits, database reads and verdicts meet a real engine, real signals and a real recovered run.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/folders.js';

/**
 * The stand-in app: single instance (a lock file), the most recent folder opened at start, the window "shown" as a
 * title xwininfo reports, SIGTERM handled by the quit flow, logs on stdout as the app's scoped logs.
 */
const FAKE_APP = `#!/usr/bin/env node
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const dist = join(process.env.APSIS_ROOT, 'dist', 'main');
const { EngineHost } = await import(join(dist, 'electron', 'engine-host.js'));
const { QuitFlow, watchSystemQuit } = await import(join(dist, 'electron', 'lifecycle.js'));
const { scopedLog } = await import(join(dist, 'electron', 'log.js'));
const { SystemClock } = await import(join(dist, 'engine', 'clock.js'));

const userData = join(process.env.XDG_CONFIG_HOME, 'Apsis Console');
const lock = join(userData, 'lock');
if (existsSync(lock)) {
  try {
    process.kill(Number(readFileSync(lock, 'utf8')), 0);
    process.exit(0); // a second instance hands over to the first
  } catch {}
}
writeFileSync(lock, String(process.pid));
const clock = new SystemClock();
const host = new EngineHost({ userData, clock, askMaxAge: async () => 'close', log: scopedLog('engine') });
const flow = new QuitFlow({
  host,
  confirm: async () => false,
  showWindow: () => {},
  quit: () => {
    rmSync(lock, { force: true });
    process.exit(0);
  },
  exit: (code) => process.exit(code),
  clock,
  log: scopedLog('desktop'),
});
watchSystemQuit(process, { on: () => {} }, flow);
const last = host.recents.list().find((r) => !r.missing);
await host.open(last.path);
writeFileSync(process.env.FAKE_WINDOWS, '0x1 "Apsis Console: ' + last.path + '": ("apsis-console" "apsis-console")\\n');
setInterval(() => {}, 1 << 30);
`;

/** xwininfo -root -tree: the windows the stand-in app has shown. */
const FAKE_XWININFO = `#!/bin/sh
cat "$FAKE_WINDOWS" 2>/dev/null
`;

function smoke(args: string[], env: NodeJS.ProcessEnv, cwdScript = join(ROOT, 'scripts', 'desktop-smoke')) {
  return spawnSync(cwdScript, args, {
    env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 90_000,
  });
}

describe('scripts/desktop-smoke', () => {
  it('without an Electron binary: says it skipped, and why, with status 0', () => {
    const checkout = mkdtempSync(join(tmpdir(), 'apsis-smoke-checkout-'));
    cpSync(join(ROOT, 'scripts'), join(checkout, 'scripts'), { recursive: true });
    mkdirSync(join(checkout, 'node_modules', 'electron'), { recursive: true });
    writeFileSync(join(checkout, 'node_modules', 'electron', 'path.txt'), 'electron');
    const r = smoke([], {}, join(checkout, 'scripts', 'desktop-smoke'));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^desktop-smoke: skipped: no Electron binary \(.*node_modules\/electron\/dist\/electron is missing/,
    );
  });

  it('refuses an --app that is not a program', () => {
    const r = smoke(['--app', '/nonexistent/apsis-console'], { DISPLAY: ':99' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('desktop-smoke: FAILED: /nonexistent/apsis-console is not an executable file');
  });

  it('passes against the desktop engine: start, window, run, second start, SIGTERM with the run in flight, recovery', () => {
    const dir = mkdtempSync(join(tmpdir(), 'apsis-smoke-'));
    const app = join(dir, 'apsis-console.mjs');
    writeFileSync(app, FAKE_APP, { mode: 0o755 });
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'xwininfo'), FAKE_XWININFO, { mode: 0o755 });
    const r = smoke(['--app', app], {
      PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`,
      DISPLAY: ':99',
      APSIS_ROOT: ROOT,
      FAKE_WINDOWS: join(dir, 'windows'),
      APSIS_SMOKE_RUN_SECONDS: '5',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual([
      `desktop-smoke: first start (${app})`,
      'desktop-smoke: engine started, window shown; waiting for the run to start',
      'desktop-smoke: second start while running: hands over to the running app',
      'desktop-smoke: quit by SIGTERM with the run in flight',
      'desktop-smoke: start again: the run is recovered',
      'desktop-smoke: passed: engine start, window, run, second start, quit with a run in flight (SIGTERM), run recovered',
    ]);
    expect(r.status).toBe(0);
  }, 90_000);
});
