// The fork server on a perl without Time::HiRes (perl-base alone, as in slim images): a job made ready ahead still
// waits for its start time, from the wait the request gives, and the reply carries no exec instant.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SUPERVISOR_SCRIPT } from '../../main/procs/supervisor-script.js';
import { findPerl } from '../../main/procs/supervisor.js';
import { collect, tempDir } from './helpers.js';

/** Makes `require Time::HiRes` fail, as on a perl that does not have it. */
const WITHOUT_HIRES = String.raw`BEGIN { unshift @INC, sub { die "no Time::HiRes here\n" if $_[1] eq 'Time/HiRes.pm'; return } }`;

describe('supervisor without Time::HiRes', () => {
  it('execs a job made ready ahead after its wait, and answers without an exec instant', async () => {
    const perl = findPerl();
    if (perl === null) throw new Error('no perl in PATH');
    const runDir = join(tempDir(), 'run');
    mkdirSync(runDir, { recursive: true });
    const [result, spool] = [join(runDir, 'result.json'), join(runDir, 'output')];
    const server = spawn(perl, ['-e', `${WITHOUT_HIRES}\n${SUPERVISOR_SCRIPT}`], { stdio: 'pipe', env: {} });
    const reply = new Promise<string>((resolve) => {
      let out = '';
      server.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('\n')) resolve(out.trim());
      });
    });
    const fields = ['1', result, spool, '/', '0', '0', '0.3', '3', '/bin/sh', '-c', 'date +%s%N', '0'];
    const request = Buffer.from(fields.join('\0'));
    const t0 = Date.now();
    server.stdin.write(`${request.length}\n`);
    server.stdin.write(request);
    const line = await reply;
    server.stdin.end();
    const m = /^1 ok (\d+) (\d+)$/.exec(line);
    expect(m, line).not.toBeNull();
    const pid = Number(m?.[1]);
    const { output, result: exit } = await collect({
      pid,
      pgid: pid,
      supervisor_pid: Number(m?.[2]),
      spool,
      result,
      start: new Date().toISOString(),
    });
    expect(exit.exit_code).toBe(0);
    expect(Number(BigInt(output.trim()) / 1000n) / 1000).toBeGreaterThanOrEqual(t0 + 300);
    // Without Time::HiRes the end time has whole seconds only.
    const recorded = JSON.parse(readFileSync(result, 'utf8')) as { exit_code: number; end_time: string };
    expect(recorded.exit_code).toBe(0);
    expect(recorded.end_time).toMatch(/:\d\d\.000Z$/);
  });
});
