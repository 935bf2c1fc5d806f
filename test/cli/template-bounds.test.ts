// SPEC 7 "Bounded" for `apsis check` and `apsis plan`: a job file with a hostile template is reported with
// the limit it goes over, and the check goes on to the other files (issue 15: `range(1000000000)` used to
// abort the process with a V8 fatal error, a 2000 x 2000 loop to hang it).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { APSIS_BIN, jobFolder } from '../helpers/folders.js';

function apsis(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [APSIS_BIN, ...args], { encoding: 'utf8', timeout: 15_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const scheduled = (n: string, program: string): string =>
  `params: [n]\nschedule: {type: interval, interval: 1h, args: {n: "${n}"}}\nprogram: ${JSON.stringify(program)}\n`;

describe('apsis check with hostile templates', () => {
  it('reports each limit and exits 1, checking every other file', () => {
    const dir = jobFolder({
      'range.yaml': scheduled('1000000000', 'echo {{ range(n | int) | length }}'),
      'loops.yaml': scheduled(
        '2000',
        '{% set xs = range(n | int) | list %}{% for i in xs %}{% for j in xs %}{% endfor %}{% endfor %}echo',
      ),
      'output.yaml': scheduled('1000000000', "echo {{ 'x' * (n | int) }}"),
      'center.yaml': scheduled('1000000000', 'echo {{ n.center(n | int) }}'),
      'format.yaml': scheduled('1', "echo {{ '%0999999999d' % (n | int) }}"),
      'recursion.yaml': scheduled('1', '{% macro f(k) %}{{ f(k + 1) }}{% endmacro %}echo {{ f(n | int) }}'),
      'good.yaml': scheduled('3', 'echo {{ range(n | int) | list }}'),
    });
    const r = apsis('check', dir);
    expect(r.status).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('1 jobs OK, 6 files with errors');
    const byFile = (name: string): string =>
      lines.find((l) => l.startsWith(`${name}.yaml:`)) ?? `(no line for ${name})`;
    expect(byFile('range')).toMatch(/template exceeds 100,000 range\(\) items/);
    expect(byFile('loops')).toMatch(/template exceeds (1,000,000 loop iterations|100 ms of rendering)/);
    expect(byFile('output')).toMatch(/template exceeds 1 MiB of output/);
    expect(byFile('center')).toMatch(/template exceeds 1 MiB of output/);
    expect(byFile('format')).toMatch(/template exceeds 1 MiB of output/);
    expect(byFile('recursion')).toMatch(/template exceeds 100 nested macro calls/);
    expect(r.stderr).not.toMatch(/FATAL|\n\s+at /);
  });

  it('apsis plan of the same kind of folder reports the error and does not hang', () => {
    const dir = jobFolder({ 'range.yaml': scheduled('1000000000', 'echo {{ range(n | int) | length }}') });
    const r = apsis('plan', dir, '--from', '2027-01-01T00:00:00Z', '--to', '2027-01-02T00:00:00Z');
    expect(r.status).toBe(1);
    expect(`${r.stdout}${r.stderr}`).toMatch(/template exceeds 100,000 range\(\) items/);
  });
});
