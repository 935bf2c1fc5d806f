// The fork server's start times, driven directly through its request protocol: the job of a launch begun ahead
// waits for its start time, never longer than the wait asked for, with or without Time::HiRes.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExitResult } from '../../main/procs/local-process.js';
import { SUPERVISOR_SCRIPT } from '../../main/procs/supervisor-script.js';
import { findPerl } from '../../main/procs/supervisor.js';
import { collect, tempDir } from './helpers.js';

/** Makes `require Time::HiRes` fail, as on a perl that has perl-base alone (slim images). */
const WITHOUT_HIRES = String.raw`BEGIN { unshift @INC, sub { die "no Time::HiRes here\n" if $_[1] eq 'Time/HiRes.pm'; return } }`;

interface Launched {
  /** The fork server's reply line. */
  line: string;
  /** Epoch ms just before the request was written. */
  sentAt: number;
  /** Epoch ms the job printed (`date +%s%N`). */
  ranAt: number;
  exit: ExitResult;
  /** The result file as the supervisor wrote it. */
  recorded: { end_time: string };
}

/** Sends one request for a job printing its own clock, with start time `at` (epoch s) and `wait` (s from now). */
async function launch(at: number, wait: number, prelude = ''): Promise<Launched> {
  const perl = findPerl();
  if (perl === null) throw new Error('no perl in PATH');
  const runDir = join(tempDir(), 'run');
  mkdirSync(runDir, { recursive: true });
  const [result, spool] = [join(runDir, 'result.json'), join(runDir, 'output')];
  const server = spawn(perl, ['-e', `${prelude}\n${SUPERVISOR_SCRIPT}`], { stdio: 'pipe', env: {} });
  const reply = new Promise<string>((resolve) => {
    let out = '';
    server.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(out.trim());
    });
  });
  const argv = ['/bin/sh', '-c', 'date +%s%N'];
  const fields = ['1', result, spool, '/', '0', String(at), String(wait), String(argv.length), ...argv, '0'];
  const request = Buffer.from(fields.join('\0'));
  const sentAt = Date.now();
  server.stdin.write(`${request.length}\n`);
  server.stdin.write(request);
  const line = await reply;
  server.stdin.end();
  const m = /^1 ok (\d+) (\d+)/.exec(line);
  if (m === null) throw new Error(`fork server answered: ${line}`);
  const pid = Number(m[1]);
  const { output, result: exit } = await collect({
    pid,
    pgid: pid,
    supervisor_pid: Number(m[2]),
    spool,
    result,
    start: new Date().toISOString(),
  });
  const recorded = JSON.parse(readFileSync(result, 'utf8')) as { end_time: string };
  return { line, sentAt, ranAt: Number(BigInt(output.trim()) / 1000n) / 1000, exit, recorded };
}

describe('fork server start times', () => {
  it('without Time::HiRes, execs after the wait and answers without an exec instant', async () => {
    const r = await launch(0, 0.3, WITHOUT_HIRES);
    expect(r.line).toMatch(/^1 ok \d+ \d+$/);
    expect(r.exit.exit_code).toBe(0);
    expect(r.ranAt).toBeGreaterThanOrEqual(r.sentAt + 300);
    // Without Time::HiRes the end time has whole seconds only.
    expect(r.recorded.end_time).toMatch(/:\d\d\.000Z$/);
  });

  it('with Time::HiRes, answers with the exec instant, at or after the start time', async () => {
    const at = (Date.now() + 300) / 1000;
    const r = await launch(at, 0.3);
    const exec = Number(/^1 ok \d+ \d+ (\d+\.\d+)$/.exec(r.line)?.[1]);
    expect(exec).toBeGreaterThanOrEqual(at);
    expect(r.ranAt).toBeGreaterThanOrEqual(at * 1000);
  });

  it('waits no longer than asked when the wall clock is far behind the start time (a clock stepped back)', async () => {
    // A start time an hour ahead with a wait of 0.2 s: what a launch sees when the wall clock steps back an hour
    // between the request and the exec.
    const r = await launch(Date.now() / 1000 + 3600, 0.2);
    expect(r.exit.exit_code).toBe(0);
    expect(r.ranAt).toBeLessThan(r.sentAt + 5000);
  });
});
