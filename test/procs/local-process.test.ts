import { chmodSync, existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Launcher } from '../../main/procs/launcher.js';
import { collect, shell, start, tempDir } from './helpers.js';

const launcher = new Launcher();
afterAll(() => launcher.close());

describe('local process: exit and output', () => {
  it('records exit code 0', async () => {
    const { output, result } = await collect(await start(launcher, shell('echo hello')));
    expect(output).toBe('hello\n');
    expect(result).toMatchObject({ exit_code: 0, signal: null, error: null });
    expect(Date.parse(result.end_time ?? '')).not.toBeNaN();
  });

  it('records a non-zero exit code', async () => {
    const { result } = await collect(await start(launcher, shell('exit 3')));
    expect(result).toMatchObject({ exit_code: 3, signal: null, error: null });
  });

  it('tells exit code 143 apart from death by SIGTERM', async () => {
    const { result } = await collect(await start(launcher, shell('exit 143')));
    expect(result).toMatchObject({ exit_code: 143, signal: null });
  });

  it('merges stdout and stderr in the order written', async () => {
    const { output } = await collect(
      await start(launcher, shell('echo one; echo two >&2; echo three; echo four >&2')),
    );
    expect(output).toBe('one\ntwo\nthree\nfour\n');
  });

  it('passes the environment, APSIS_RUN_ID and APSIS_JOB_ID included', async () => {
    const { output } = await collect(
      await start(launcher, shell('echo "$APSIS_RUN_ID $APSIS_JOB_ID $HOME"')),
    );
    expect(output).toBe(`r7 jobs/test ${process.env.HOME ?? ''}\n`);
  });

  it('runs exactly the given environment', async () => {
    const spec = shell('env', { env: { ONLY: 'this' } });
    const { output } = await collect(await start(launcher, spec));
    // bash adds PWD, SHLVL and _ itself.
    expect(output.split('\n').filter((l) => !/^(PWD|SHLVL|_)=/.test(l) && l !== '')).toEqual(['ONLY=this']);
  });

  it('runs in the given working directory', async () => {
    const cwd = tempDir();
    const { output } = await collect(await start(launcher, shell('pwd -P', { cwd })));
    expect(output).toBe(`${realpathSync(cwd)}\n`);
  });

  it('gives an empty stdin', async () => {
    const { output, result } = await collect(await start(launcher, shell('cat; echo "read: $?"')));
    expect(output).toBe('read: 0\n');
    expect(result.exit_code).toBe(0);
  });

  it('runs an argv without a shell', async () => {
    const spec = { ...shell(''), argv: ['printf', '%s|', 'a b', '$HOME', ''] };
    const { output } = await collect(await start(launcher, spec));
    expect(output).toBe('a b|$HOME||');
  });

  it('records resource usage', async () => {
    const { result } = await collect(
      await start(launcher, shell('i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done')),
    );
    expect(result.rusage?.utime).toBeGreaterThan(0);
    expect(result.rusage?.stime).toBeGreaterThanOrEqual(0);
    if (process.platform === 'linux') expect(result.rusage?.maxrss).toBeGreaterThan(100_000);
  });
});

describe('local process: cannot start', () => {
  it('reports a program that does not exist', async () => {
    const spec = { ...shell(''), argv: ['/nonexistent/program', 'x'] };
    expect(await launcher.launch(spec)).toEqual({ ok: false, error: 'no such file: /nonexistent/program' });
  });

  it('reports a program not found on PATH', async () => {
    const spec = { ...shell(''), argv: ['apsis-no-such-program'] };
    expect(await launcher.launch(spec)).toEqual({ ok: false, error: 'no such file: apsis-no-such-program' });
  });

  it('reports a program that is not executable', async () => {
    const file = join(tempDir(), 'script.sh');
    writeFileSync(file, '#!/bin/sh\necho hi\n');
    chmodSync(file, 0o644);
    expect(await launcher.launch({ ...shell(''), argv: [file] })).toEqual({
      ok: false,
      error: `permission denied: ${file}`,
    });
  });

  it('reports a working directory that does not exist', async () => {
    const cwd = join(tempDir(), 'missing');
    expect(await launcher.launch(shell('true', { cwd }))).toEqual({
      ok: false,
      error: `no such directory: ${cwd}`,
    });
  });

  it('makes the run folder, in a runs folder made when missing, and reports one it cannot make', async () => {
    const runs = join(tempDir(), 'not', 'yet');
    const made = await launcher.launch(shell('true', { runDir: join(runs, 'r1') }));
    expect(made.ok).toBe(true);
    expect(existsSync(join(runs, 'r1', 'output'))).toBe(true);
    const file = join(tempDir(), 'file');
    writeFileSync(file, '');
    expect(await launcher.launch(shell('true', { runDir: join(file, 'r2') }))).toEqual({
      ok: false,
      error: `cannot create run directory ${join(file, 'r2')}: Not a directory`,
    });
  });

  it('refuses an empty argv and NUL characters', async () => {
    expect(await launcher.launch({ ...shell(''), argv: [] })).toMatchObject({
      ok: false,
      error: /empty argv/,
    });
    expect(await launcher.launch(shell('echo a\0b'))).toMatchObject({ ok: false, error: /NUL/ });
  });
});

describe('local process: made ready ahead of its start time', () => {
  it('execs no sooner than its start time, with its files there before', async () => {
    const spec = shell('date +%s%N', { delay: 400 });
    const t0 = Date.now();
    const launched = launcher.launch(spec);
    let answeredAt = 0;
    void launched.then(() => (answeredAt = Date.now()));
    await new Promise((r) => setTimeout(r, 200));
    // Ready: its supervisor has made the run's files, and the job has not run yet.
    const spool = join(spec.runDir, 'output');
    expect(existsSync(spool)).toBe(true);
    expect(readFileSync(spool, 'utf8')).toBe('');
    expect(answeredAt).toBe(0);
    const result = await launched;
    if (!result.ok) throw new Error(result.error);
    const { output } = await collect(result.runState);
    const ranAt = Number(BigInt(output.trim()) / 1000n) / 1000;
    expect(ranAt).toBeGreaterThanOrEqual(t0 + 400);
    // The start recorded is the instant of the exec, not when the answer came.
    expect(Date.parse(result.runState.start)).toBeGreaterThanOrEqual(t0 + 400);
    expect(Date.parse(result.runState.start)).toBeLessThanOrEqual(Math.ceil(ranAt));
    expect(answeredAt).toBeGreaterThanOrEqual(t0 + 400);
  });

  it('reports a program that cannot run once its start time has come', async () => {
    const t0 = Date.now();
    expect(await launcher.launch({ ...shell('true', { delay: 200 }), argv: ['/no/such/prog'] })).toEqual({
      ok: false,
      error: 'no such file: /no/such/prog',
    });
    expect(Date.now()).toBeGreaterThanOrEqual(t0 + 200);
  });
});
