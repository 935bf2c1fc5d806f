// Issue 19: `apsis check` on a folder of 50 broken job files (test/fixtures/check-abort) aborted the process in
// about 4 runs of 10 (`FATAL ERROR: RegExpCompiler Allocation failed`, exit 134), and its report differed between
// runs (`YAML syntax error: Maximum call stack size exceeded` at varying columns). Run as a user runs it: each
// run a separate process, since what went wrong depended on the state of V8's JIT in the process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { APSIS_BIN, FIXTURES } from '../helpers/folders.js';

const FOLDER = join(FIXTURES, 'check-abort');
const RUNS = 20;
const AT_ONCE = 4;

/** Text of the JavaScript engine's own errors, which must never reach a user as a problem. */
const INTERNAL =
  /call stack|RangeError|TypeError|ReferenceError|FATAL|out of memory|Allocation failed|\n {4}at /;

interface Outcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function check(): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [APSIS_BIN, 'check', FOLDER], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

describe('apsis check on 50 broken files (issue 19)', () => {
  it(`gives the same report and exit 1 in ${RUNS} separate runs, with no internal error text`, async () => {
    const outcomes: Outcome[] = [];
    for (let i = 0; i < RUNS; i += AT_ONCE)
      outcomes.push(...(await Promise.all(Array.from({ length: AT_ONCE }, () => check()))));

    for (const o of outcomes) {
      expect(o.signal, o.stderr.slice(0, 400)).toBeNull();
      expect(o.status, o.stderr.slice(0, 400)).toBe(1);
      expect(o.stdout).not.toMatch(INTERNAL);
      expect(o.stderr).not.toMatch(INTERNAL);
    }
    const first = outcomes[0] as Outcome;
    for (const o of outcomes) {
      expect(o.stdout).toBe(first.stdout);
      expect(o.stderr).toBe(first.stderr);
    }

    const lines = first.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('5 jobs OK, 50 files with errors');
    const nesting =
      ': nested deeper than 64 levels: a job file needs a few levels of mappings and lists; flatten this value';
    // Where the 65th level opens: `schedule: [[[...` has it at column 74, the 64th `[`.
    expect(lines).toContain(`fuzz/deep/d01.yaml:1:74${nesting}`);
    expect(lines).toContain(`fuzz/deep/d02.yaml:1:74${nesting}`);
    expect(lines).toContain(`fuzz/deep/d04.yaml:65:129${nesting}`);
    expect(lines).toContain(`fuzz/deep/d05.yaml:2:127${nesting}`);
    expect(lines.filter((l) => l.startsWith('fuzz/deep/'))).toHaveLength(6);
    expect(lines).toContain(
      'fuzz/bomb/laughs5_meta.yaml:4:12: aliases in this file stand for more than 10000 values in all (an alias bomb?); write the values out or repeat them less',
    );
    for (const huge of ['h00', 'h01', 'h02', 'h03', 'h04'])
      expect(lines.find((l) => l.startsWith(`fuzz/huge/${huge}.yaml: `))).toMatch(
        /: the file is 1048\d{3} bytes; a job file may be at most 1048576 bytes \(1 MiB\); is it a job file\?$/,
      );
    // Every line but the summary is a problem of a broken file, and every broken file has one.
    expect(lines.slice(0, -1).every((l) => l.startsWith('fuzz/'))).toBe(true);
    expect(new Set(lines.slice(0, -1).map((l) => l.split(':')[0])).size).toBe(50);
  }, 240_000);

  it('apsis serve reads the same folder: the 5 good jobs load, the 50 broken files are its job errors', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'apsis-check-abort-')), 'apsis.db');
    const child = spawn(process.execPath, [APSIS_BIN, 'serve', FOLDER, '--db', db, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no listening line; stdout ${out} stderr ${err}`)),
        30_000,
      );
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m !== null) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      });
      child.on('exit', () => reject(new Error(`exited early; stdout ${out} stderr ${err}`)));
    });

    const jobs = (await (await fetch(`${url}/api/v1/jobs`)).json()) as { job_id: string }[];
    expect(jobs.map((j) => j.job_id)).toEqual([
      'good/alpha',
      'good/beta',
      'good/gamma',
      'good/nested/delta',
      'good/nested/epsilon',
    ]);
    const { errors } = (await (await fetch(`${url}/api/v1/job_errors`)).json()) as {
      errors: { path: string; line: number | null; col: number | null; message: string }[];
    };
    expect(new Set(errors.map((e) => e.path)).size).toBe(50);
    expect(errors).toContainEqual({
      path: 'fuzz/deep/d02.yaml',
      line: 1,
      col: 74,
      message:
        'nested deeper than 64 levels: a job file needs a few levels of mappings and lists; flatten this value',
    });
    for (const e of errors) expect(e.message).not.toMatch(INTERNAL);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
