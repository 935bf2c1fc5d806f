// A token on the command line is readable by every local user and job in /proc/PID/cmdline (issue 15 item 9):
// `apsis serve --token T` warns and points to APSIS_TOKEN; a token from the environment gives no warning.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APSIS_BIN, jobFolder } from '../helpers/folders.js';

/** Starts `apsis serve`, waits for its `listening on` line, stops it; answers its stderr and exit status. */
async function serveOnce(
  args: string[],
  env: Record<string, string>,
): Promise<{ stderr: string; status: number }> {
  const dir = jobFolder({ 'x.yaml': 'program: {type: no-op}\n' });
  const db = join(mkdtempSync(join(tmpdir(), 'apsis-token-')), 'apsis.db');
  const child = spawn(process.execPath, [APSIS_BIN, 'serve', dir, '--db', db, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`apsis serve did not start: ${stdout} ${stderr}`));
    }, 15_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /listening on (\S+)/.exec(stdout);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
  });
  // The token is in force: without it the API answers 401, with it 200.
  expect((await fetch(`${url}/api/v1/jobs`)).status).toBe(401);
  expect((await fetch(`${url}/api/v1/jobs`, { headers: { authorization: 'Bearer T0KEN-x1' } })).status).toBe(
    200,
  );
  child.kill('SIGTERM');
  return { stderr, status: await exited };
}

describe('apsis serve and its token', () => {
  it('--token T warns, once, pointing to APSIS_TOKEN; APSIS_TOKEN in the environment gives no warning', async () => {
    const [flag, fromEnv] = await Promise.all([
      serveOnce(['--token', 'T0KEN-x1'], { APSIS_TOKEN: '' }),
      serveOnce([], { APSIS_TOKEN: 'T0KEN-x1' }),
    ]);
    expect(flag.stderr).toBe(
      'apsis serve: warning: a --token on the command line can be read by every local user and job ' +
        '(/proc/PID/cmdline); set APSIS_TOKEN instead\n',
    );
    expect(fromEnv.stderr).toBe('');
    expect(flag.status).toBe(0);
    expect(fromEnv.status).toBe(0);
  }, 30_000);
});
