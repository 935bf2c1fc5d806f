// Each bound of job-file reading (issue 19): what a user sees at the bound, and that a file past it gets one
// clear problem at its place instead of a hang, an abort or the JavaScript engine's own error text.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../shared/model/problem.js';
import { didYouMean } from '../../main/jobs/did-you-mean.js';
import { loadJobFolder, MAX_JOB_FILE_BYTES } from '../../main/jobs/load-folder.js';
import { parseJobFile, yamlMessage } from '../../main/jobs/parse-job.js';
import { parseDuration } from '../../main/time/durations.js';
import { jobFolder } from '../helpers/folders.js';

const NOW = Date.parse('2027-01-01T00:00:00Z');
const NESTING =
  'nested deeper than 64 levels: a job file needs a few levels of mappings and lists; flatten this value';

/** The problems of one job file, as `apsis check` prints them. */
function problems(text: string): string[] {
  return parseJobFile('f.yaml', 'f', text, { calendarsDir: null }).ctx.problems.map(formatProblem);
}

function metadataOf(text: string): Record<string, unknown> {
  const parsed = parseJobFile('f.yaml', 'f', text, { calendarsDir: null });
  expect(parsed.ctx.problems).toEqual([]);
  return parsed.job?.metadata ?? {};
}

describe('nesting: at most 64 levels', () => {
  it('64 levels load: the job (1), metadata (2), a value (3) and 61 lists inside it', () => {
    const meta = metadataOf(`program: echo\nmetadata:\n  m: ${'['.repeat(62)}1${']'.repeat(62)}\n`);
    let value: unknown = meta['m'];
    let depth = 0;
    for (; Array.isArray(value); depth += 1) value = (value as unknown[])[0];
    expect([value, depth]).toEqual([1, 62]);
  });

  it('level 65 is refused where it opens, in flow lists, block mappings and block lists', () => {
    // `m: ` is at column 3 of line 3; its 63 `[` open levels 3 to 65, the last at column 68.
    expect(problems(`program: echo\nmetadata:\n  m: ${'['.repeat(63)}1${']'.repeat(63)}\n`)).toEqual([
      `f.yaml:3:68: ${NESTING}`,
    ]);
    const block = Array.from({ length: 65 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
    expect(problems(`${block} x\n`)).toEqual([`f.yaml:65:65: ${NESTING}`]);
    expect(problems(`${'- '.repeat(65)}x\n`)).toEqual([`f.yaml:1:129: ${NESTING}`]);
    expect(problems(`a: {b: [{c: ${'{d: '.repeat(61)}1${'}'.repeat(61)}}]}\n`)).toEqual([
      `f.yaml:1:253: ${NESTING}`,
    ]);
  });

  it('100,000 unclosed brackets: the one nesting problem, no parser error text', () => {
    expect(problems(`program: ${'['.repeat(100_000)}\n`)).toEqual([`f.yaml:1:73: ${NESTING}`]);
    expect(problems(`program:\n${'- '.repeat(50_000)}x\n`)).toEqual([`f.yaml:2:127: ${NESTING}`]);
  });

  it('metadata that nests through an alias to itself stops at 64 levels', () => {
    expect(problems('program: echo\nmetadata:\n  m: &x [*x]\n')).toEqual([
      `f.yaml:3:10: metadata is ${NESTING}`,
    ]);
  });

  it('the YAML library never shows its own recursion error or engine text', () => {
    expect(yamlMessage('RESOURCE_EXHAUSTION', 'Maximum call stack size exceeded')).toBe(NESTING);
    expect(yamlMessage('TAG_RESOLVE_FAILED', 'RangeError: Invalid string length')).toBe(
      'YAML syntax error: the YAML parser could not read this value; simplify it or write it another way',
    );
    expect(yamlMessage('UNEXPECTED_TOKEN', 'Unexpected flow-seq-end token')).toBe(
      'YAML syntax error: Unexpected flow-seq-end token',
    );
  });
});

describe('aliases: at most 10,000 values repeated through them per file', () => {
  it('an anchored value used twice is read twice', () => {
    const parsed = parseJobFile(
      'f.yaml',
      'f',
      'params: [x]\nschedule:\n  - {type: interval, interval: 1h, args: &a {x: "1"}}\n  - {type: interval, interval: 2h, args: *a}\nprogram: echo {{ x }}\nmetadata: {one: &m [a, b], two: *m}\n',
      { calendarsDir: null },
    );
    expect(parsed.ctx.problems).toEqual([]);
    expect(parsed.job?.schedules.map((s) => s.start.args)).toEqual([{ x: '1' }, { x: '1' }]);
    expect(parsed.job?.metadata).toEqual({ one: ['a', 'b'], two: ['a', 'b'] });
  });

  it('a billion laughs in metadata is one problem, at the alias whose expansion passes the bound', () => {
    // Reading a4 expands *a3, then *a2, then *a1: the bound passes inside a2's list, line 5.
    const lines = ['program: echo', 'metadata:', '  a0: &a0 "lol"'];
    for (let i = 1; i <= 9; i += 1)
      lines.push(
        `  a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    expect(problems(`${lines.join('\n')}\n`)).toEqual([
      'f.yaml:5:12: aliases in this file stand for more than 10000 values in all (an alias bomb?); write the values out or repeat them less',
    ]);
  });

  it('a schedule mapping repeated 3,000 times through an alias passes the bound too', () => {
    const text = `schedule: [&s {type: interval, interval: 1h}, ${Array(3000).fill('*s').join(', ')}]\nprogram: echo\n`;
    const found = problems(text);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^f\.yaml:1:\d+: aliases in this file stand for more than 10000 values in all/);
  });

  it('an alias with no anchor before it is a problem, not a silent null', () => {
    expect(problems('program: *cmd\nmetadata: {c: &cmd echo}\n')).toEqual([
      'f.yaml:1:10: alias *cmd has no anchor &cmd before it; define the anchor first or write the value out',
    ]);
  });
});

describe('size bounds', () => {
  it('a file of exactly 1 MiB is read; one byte more is refused before reading', () => {
    const head = 'program: echo\n';
    const dir = jobFolder({ 'big.yaml': head + '#'.repeat(MAX_JOB_FILE_BYTES - head.length - 1) + '\n' });
    expect([...loadJobFolder(dir, { now: NOW, calendarsDir: null }).jobs.keys()]).toEqual(['big']);
    writeFileSync(join(dir, 'big.yaml'), head + '#'.repeat(MAX_JOB_FILE_BYTES - head.length) + '\n');
    expect(loadJobFolder(dir, { now: NOW, calendarsDir: null }).problems.map(formatProblem)).toEqual([
      'big.yaml: the file is 1048577 bytes; a job file may be at most 1048576 bytes (1 MiB); is it a job file?',
    ]);
  });

  it('a long value is quoted by its start and its length', () => {
    const long = 'x'.repeat(200_000);
    expect(problems(`schedule: "${long}"\nprogram: echo\n`)).toEqual([
      `f.yaml:1:11: a schedule must be a mapping with a 'type', got the string '${'x'.repeat(80)}…' (200000 characters)`,
    ]);
    const [tz] = problems(`schedule: {type: daily, tz: "${long}", daytime: "01:00"}\nprogram: echo\n`);
    expect(tz).toBe(
      `f.yaml:1:29: unknown time zone '${'x'.repeat(80)}…' (200000 characters); use an IANA name such as UTC, America/New_York or Europe/London`,
    );
    const [key] = problems(`? ${'k'.repeat(100_000)}\n: 1\nprogram: echo\n`);
    expect(key).toMatch(/^f\.yaml:1:3: unexpected key 'k{80}…' \(100000 characters\) in job; allowed keys: /);
  });

  it('a duration of 100,000 digits is no duration, answered without backtracking over them', () => {
    const r = parseDuration(`${'1'.repeat(100_000)}!`);
    expect(r).toEqual({
      ok: false,
      message: `'${'1'.repeat(80)}…' (100001 characters) is not a duration; use a number of seconds or a number with a unit s, m, h or d, such as 90, "90s", "1.5h", "2 d"`,
    });
    expect(parseDuration(' 1.5 h ')).toEqual({ ok: true, seconds: 5400 });
    expect(parseDuration('1.')).toEqual({ ok: true, seconds: 1 });
    expect(parseDuration('-2e1 min')).toEqual({ ok: true, seconds: -1200 });
  });

  it('a key name 1 MB long is no typo of a job key, and is not measured against them', () => {
    expect(didYouMean('p'.repeat(1_000_000), ['program', 'params'])).toBeNull();
    expect(didYouMean('actions', ['action', 'condition'])).toBe('action');
    expect(didYouMean('progam', ['program', 'params'])).toBe('program');
  });
});

describe('counts', () => {
  it('20 YAML errors at most, then how many more the parser found', () => {
    const found = problems('a: {\n'.repeat(500)).filter((p) => !p.includes('duplicate key'));
    expect(found).toEqual([
      'f.yaml:1:4: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }',
      'f.yaml:22:1: the YAML parser reported 480 more errors from here on, not shown; fix the ones before first',
    ]);
  });

  it('100 problems per file at most, then how many more', () => {
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}: 1`).join('\n');
    const dir = jobFolder({ 'f.yaml': `${keys}\nprogram: echo\n` });
    const found = loadJobFolder(dir, { now: NOW, calendarsDir: null }).problems.map(formatProblem);
    expect(found).toHaveLength(101);
    expect(found[0]).toBe('f.yaml: 200 more problems in this file are not shown; fix the ones below first');
    expect(found[100]).toBe(
      "f.yaml:100:1: unexpected key 'k99' in job; allowed keys: job_id, params, schedule, program, condition, action, successors, metadata",
    );
  });

  it('duplicate keys are found in mappings of 20,000 keys, at the repeated key', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `  k${i}: ${i}`).join('\n');
    expect(metadataOf(`program: echo\nmetadata:\n${keys}\n`)['k19999']).toBe(19_999);
    expect(problems(`program: echo\nmetadata:\n${keys}\n  k7: again\n`)).toEqual([
      'f.yaml:20003:3: duplicate key: each key may appear once in a mapping; remove one of them',
    ]);
    expect(problems('program: echo\nmetadata: {a: 1, b: 2, a: 3}\n')).toEqual([
      'f.yaml:2:24: duplicate key: each key may appear once in a mapping; remove one of them',
    ]);
  });
});
