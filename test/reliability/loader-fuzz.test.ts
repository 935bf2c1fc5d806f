// Bad input never breaks the loader (issue 9): every mangled file gets positioned problems, the loader never throws,
// and the good job beside it still loads.
import { readdirSync, readFileSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadJobFolder } from '../../main/jobs/load-folder.js';
import { jobFolder, REFERENCE } from '../helpers/folders.js';

const NOW = Date.parse('2027-01-01T00:00:00Z');
const GOOD = 'schedule: {type: interval, interval: 1h}\nprogram: echo ok\n';
const SAMPLES = readdirSync(join(REFERENCE, 'jobs'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => readFileSync(join(REFERENCE, 'jobs', f), 'utf8'));

/** Loads `bad` beside a good job; the good one loads and the bad one, if refused, has its problems positioned. */
function check(bad: string | Buffer): void {
  const dir = jobFolder({ 'good.yaml': GOOD });
  writeFileSync(join(dir, 'bad.yaml'), bad);
  const result = loadJobFolder(dir, { now: NOW, calendarsDir: null });
  expect(result.jobs.has('good')).toBe(true);
  for (const p of result.problems) {
    expect(p.path).toBe('bad.yaml');
    expect(p.message.length).toBeGreaterThan(0);
  }
  if (!result.jobs.has('bad')) expect(result.problems.length).toBeGreaterThan(0);
}

const mutation = fc.oneof(
  // truncation
  fc
    .record({ s: fc.constantFrom(...SAMPLES), at: fc.nat() })
    .map(({ s, at }) => s.slice(0, at % (s.length + 1))),
  // a random byte replaced
  fc
    .record({ s: fc.constantFrom(...SAMPLES), at: fc.nat(), c: fc.string({ minLength: 1, maxLength: 3 }) })
    .map(({ s, at, c }) => s.slice(0, at % s.length) + c + s.slice((at % s.length) + 1)),
  // a line dropped or duplicated
  fc.record({ s: fc.constantFrom(...SAMPLES), at: fc.nat(), dup: fc.boolean() }).map(({ s, at, dup }) => {
    const lines = s.split('\n');
    const i = at % lines.length;
    lines.splice(i, dup ? 0 : 1, ...(dup ? [lines[i] as string] : []));
    return lines.join('\n');
  }),
  // values of the wrong type
  fc
    .record({
      s: fc.constantFrom(...SAMPLES),
      v: fc.constantFrom('[1, 2]', '{a: 1}', '~', '-3', '1e999', 'true', '"{{ x"'),
    })
    .map(({ s, v }) => s.replace(/: ("?)[^\n{[]+\1\n/, `: ${v}\n`)),
  fc.string({ maxLength: 200 }),
);

describe('loader fuzz', () => {
  it('mangled reference job files: never a throw, problems positioned, the good job loads', () => {
    fc.assert(
      fc.property(mutation, (text) => check(text)),
      { numRuns: 300, seed: 4242 },
    );
  });

  it('hostile files: non-UTF-8, huge strings, deep nesting, alias bombs, several documents', () => {
    check(Buffer.from([0x70, 0x72, 0x6f, 0x67, 0x72, 0x61, 0x6d, 0x3a, 0x20, 0xff, 0xfe, 0x0a]));
    check(`program: "${'x'.repeat(2_000_000)}"\n`);
    check(`program: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
    check(`metadata: ${'{a: '.repeat(2000)}1${'}'.repeat(2000)}\nprogram: echo\n`);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i += 1)
      bomb.push(
        `${'b'.repeat(i)}: &${'a'.repeat(i + 1)} [${Array(9)
          .fill(`*${'a'.repeat(i)}`)
          .join(', ')}]`,
      );
    check(`metadata:\n  ${bomb.join('\n  ')}\nprogram: echo\n`);
    check('program: echo a\n---\nprogram: echo b\n');
    check('\ufeffprogram: echo bom\n');
  });

  it('a symbolic link loop in the folder does not hang the walk', () => {
    const dir = jobFolder({ 'good.yaml': GOOD, 'sub/x.yaml': GOOD });
    symlinkSync(dir, join(dir, 'sub', 'loop'));
    mkdirSync(join(dir, 'sub2'));
    symlinkSync(join(dir, 'sub2'), join(dir, 'sub2', 'self'));
    const result = loadJobFolder(dir, { now: NOW, calendarsDir: null });
    expect([...result.jobs.keys()].sort()).toEqual(['good', 'sub/x']);
  });
});
