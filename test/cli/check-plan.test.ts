// The CLI contract of SPEC 18.1-18.2, run as a user runs it: bin/apsis in a child process.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APSIS_BIN, jobFolder } from '../helpers/folders.js';

function apsis(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [APSIS_BIN, ...args], { encoding: 'utf8', timeout: 15_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const GOOD =
  'params: [date]\nschedule: {type: daily, tz: UTC, daytime: "01:00:00"}\nprogram: echo {{ date }}\n';

describe('apsis check', () => {
  it('AC-21: reports every bad file with sorted positions, then passes once fixed', () => {
    const dir = jobFolder({
      'a.yaml': GOOD,
      'b/c.yaml': 'program: {type: no-op}\n',
      'd.yaml': 'schedule: {type: interval, interval: 1h}\nprogram: [true]\n',
      'broken/syntax.yaml': 'params: [date\nprogram: x\n',
      'broken/two.yaml':
        'params: [date]\nactions: []\nschedule: {type: daily, tz: UTC, daytime: "01:00:00"}\nprogram: echo {{ name }}\n',
    });
    const bad = apsis('check', dir);
    expect(bad.status).toBe(1);
    const lines = bad.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('3 jobs OK, 2 files with errors');
    const problems = lines.slice(0, -1);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^broken\/syntax\.yaml:1:9: YAML syntax error/);
    expect(problems[1]).toMatch(
      /^broken\/two\.yaml:2:1: unexpected key 'actions' in job \(did you mean 'action'\?\)/,
    );
    expect(problems[2]).toMatch(/^broken\/two\.yaml:4:18: program command: name 'name' is not defined/);

    writeFileSync(join(dir, 'broken/syntax.yaml'), 'params: [date]\nprogram: x\n');
    writeFileSync(join(dir, 'broken/two.yaml'), GOOD);
    const good = apsis('check', dir);
    expect(good.stdout.trimEnd().split('\n').at(-1)).toBe('5 jobs OK');
    expect(good.status).toBe(0);
  });

  it('AC-17: ignores .yml files and dot-files, names jobs by path', () => {
    const dir = jobFolder({
      'a/b/c.yaml': 'program: {type: no-op}\n',
      'x.yml': 'not: [valid',
      '.hidden.yaml': 'not: [valid',
      '.git/config.yaml': 'not: [valid',
    });
    const r = apsis('check', dir);
    expect(r.stdout.trim()).toBe('1 jobs OK');
    expect(r.stderr).toMatch(/x\.yml: not a job file/);
    expect(r.status).toBe(0);
  });

  it('bad usage exits 2 with one line and no stack trace', () => {
    for (const args of [
      ['frobnicate'],
      ['check'],
      ['check', '/nonexistent/folder'],
      ['check', '--bogus', '.'],
      [],
    ]) {
      const r = apsis(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('apsis plan', () => {
  const folder = (): string =>
    jobFolder({
      'nightly.yaml':
        'params: [date]\nschedule: {type: daily, tz: America/New_York, daytime: "02:30:00"}\nprogram: echo {{ date }}\n',
      'hourly.yaml': 'schedule: {type: interval, interval: 1h}\nprogram: echo hi\n',
    });

  it('AC-23: prints exactly the expected sorted array and creates no database', () => {
    const dir = folder();
    const r = apsis('plan', dir, '--from', '2024-03-09T00:00:00Z', '--to', '2024-03-12T00:00:00Z', '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const runs = JSON.parse(r.stdout) as { time: string; job_id: string; args: Record<string, string> }[];
    const hourly = Array.from({ length: 72 }, (_, h) => ({
      time: new Date(Date.parse('2024-03-09T00:00:00Z') + h * 3_600_000).toISOString(),
      job_id: 'hourly',
      args: {},
    }));
    const nightly = [
      { time: '2024-03-09T07:30:00.000Z', job_id: 'nightly', args: { date: '2024-03-09' } },
      { time: '2024-03-10T07:30:00.000Z', job_id: 'nightly', args: { date: '2024-03-10' } },
      { time: '2024-03-11T06:30:00.000Z', job_id: 'nightly', args: { date: '2024-03-11' } },
    ];
    const expected = [...hourly, ...nightly].sort(
      (a, b) => a.time.localeCompare(b.time) || a.job_id.localeCompare(b.job_id),
    );
    expect(runs).toEqual(expected);
    expect(readdirSync(dir).filter((f) => f.endsWith('.db'))).toEqual([]);
    expect(existsSync('apsis.db')).toBe(false);
  });

  it('prints a table with a DST note and a run count', () => {
    const r = apsis('plan', folder(), '--from', '2024-03-09T00:00:00Z', '--to', '2024-03-12T00:00:00Z');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME\s+JOB\s+ARGS$/);
    expect(lines.at(-1)).toBe('75 runs');
    expect(r.stdout).toMatch(
      /2024-03-10T07:30:00\.000Z\s+nightly\s+date=2024-03-10\s+\[DST: America\/New_York -05:00 → -04:00\]/,
    );
  });

  it('reports broken files on stderr, plans the rest, exits 1', () => {
    const dir = jobFolder({
      'ok.yaml': 'schedule: {type: interval, interval: 1d}\nprogram: "true"\n',
      'bad.yaml': 'program: {type: shel}\n',
    });
    const r = apsis('plan', dir, '--from', '2024-01-01T00:00:00Z', '--to', '2024-01-03T00:00:00Z', '--json');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^bad\.yaml:1:17: unknown program type 'shel' \(did you mean 'shell'\?\)/);
    expect((JSON.parse(r.stdout) as unknown[]).length).toBe(2);
  });

  it('refuses bad ranges with exit 2', () => {
    expect(
      apsis('plan', folder(), '--from', '2024-03-09T00:00:00Z', '--to', '2024-03-09T00:00:00Z').status,
    ).toBe(2);
    expect(
      apsis('plan', folder(), '--from', '2024-03-09T00:00:00', '--to', '2024-03-10T00:00:00Z').status,
    ).toBe(2);
    expect(apsis('plan', folder(), '--to', '2024-03-10T00:00:00Z').status).toBe(2);
  });
});

describe('the sample job folder', () => {
  it('passes apsis check with no warnings', () => {
    const r = apsis('check', join(import.meta.dirname, '..', '..', 'examples', 'jobs'));
    expect(r.stdout.trim()).toMatch(/^\d+ jobs OK$/);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
