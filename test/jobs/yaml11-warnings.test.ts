/**
 * The YAML 1.1 warnings of `apsis check` against PyYAML itself (Debian's python3-yaml, the reader Apsis
 * uses): generated plain scalars are read by SafeLoader in one batch process, and by `yaml11Read`; every
 * reading must match, and a warning is given exactly where SafeLoader's value differs from ours.
 */
import { execFileSync } from 'node:child_process';
import { LineCounter, parseDocument, isMap, isScalar } from 'yaml';
import { describe, expect, test } from 'vitest';
import { pythonFloatRepr } from '../../main/jobs/values.js';
import {
  yaml11Read,
  yaml11Warning,
  yaml11Warnings,
  type Yaml11Value,
} from '../../main/jobs/yaml11-warnings.js';
import { FileContext } from '../../main/jobs/yaml-reader.js';

const PYTHON = '/usr/bin/python3';
const ORACLE = new URL('../oracles/pyyaml_read.py', import.meta.url).pathname;

interface Oracle {
  type: string;
  value?: string | boolean;
  message?: string;
}

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generateScalars(): string[] {
  const random = rng(22);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const digits = (n: number, alphabet = '0123456789_'): string =>
    Array.from({ length: n }, () => pick([...alphabet])).join('');
  const out = new Set<string>();
  const words = ['y', 'n', 'yes', 'no', 'true', 'false', 'on', 'off', 'null', '~', 'nan', 'inf'];
  for (const w of words) {
    out.add(w);
    out.add(w.toUpperCase());
    out.add(w.charAt(0).toUpperCase() + w.slice(1));
    out.add(w.charAt(0) + w.slice(1).toUpperCase());
  }
  for (const w of [
    '=',
    '<<',
    '.inf',
    '-.inf',
    '+.Inf',
    '.NaN',
    '.nan',
    '-.nan',
    '.INF',
    '.Nan',
    'Null',
    'nULL',
  ])
    out.add(w);
  const sign = (): string => pick(['', '', '-', '+']);
  const shapes: (() => string)[] = [
    () => sign() + digits(1 + Math.floor(random() * 5)),
    () => sign() + '0' + digits(1 + Math.floor(random() * 4), '01234567_89'),
    () =>
      sign() +
      pick(['0b', '0x', '0o', '0B', '0X']) +
      digits(1 + Math.floor(random() * 4), '0123456789abcfF_'),
    () => sign() + digits(1 + Math.floor(random() * 3)) + '.' + digits(Math.floor(random() * 3)),
    () => sign() + '.' + digits(1 + Math.floor(random() * 3)),
    () =>
      sign() +
      digits(1 + Math.floor(random() * 2), '0123456789') +
      pick(['.', '.5', '', '.0']) +
      pick(['e', 'E']) +
      pick(['', '+', '-']) +
      digits(1 + Math.floor(random() * 2), '0123456789'),
    () =>
      sign() +
      digits(1 + Math.floor(random() * 3), '0123456789_') +
      Array.from(
        { length: 1 + Math.floor(random() * 3) },
        () => ':' + digits(1 + Math.floor(random() * 2), '0123456789'),
      ).join('') +
      pick(['', '', '.', '.5', '.25_']),
    () => {
      const y = pick(['2027', '1999', '0000', '2024', '2023']);
      const mo = pick(['03', '3', '13', '00', '02', '12']);
      const d = pick(['12', '1', '29', '30', '31', '00']);
      const time = pick([
        '',
        '',
        'T12:00:00',
        't1:02:03',
        ' 23:59:59.5',
        '  24:00:00',
        'T10:60:00',
        ' 10:00:00Z',
        'T10:00:00 +05:30',
        'T10:00:00-5',
        'T10:00:00+24',
        ' 10:00:00.123456789',
      ]);
      return `${y}-${mo}-${d}${time}`;
    },
    () => digits(1 + Math.floor(random() * 6), '0123456789_:.-+eExXbo'),
  ];
  while (out.size < 700) {
    const s = pick(shapes)();
    // A lone `-` or a leading `-`/`:`/`?` followed by nothing is YAML syntax, not a scalar.
    if (s === '' || /^[-:?]$/.test(s) || /^[-?:][\s]/.test(s) || /:$/.test(s) || /\s$/.test(s)) continue;
    out.add(s);
  }
  return [...out];
}

function describeOurs(v: Yaml11Value): Oracle {
  switch (v.type) {
    case 'null':
    case 'date':
    case 'datetime':
    case 'error':
      return { type: v.type };
    case 'bool':
      return { type: 'bool', value: v.value };
    case 'int':
      return { type: 'int', value: String(v.value) };
    case 'float':
      return { type: 'float', value: pythonFloatRepr(v.value) };
    case 'str':
      return { type: 'str', value: v.value };
  }
}

/** The value our loader gives a plain scalar (YAML 1.2 core, as parse-job.ts reads files). */
function ourValue(text: string): { value: unknown; source: string } {
  const doc = parseDocument(`v: ${text}\n`, { version: '1.2', schema: 'core', strict: true });
  const node = isMap(doc.contents) ? doc.contents.items[0]?.value : null;
  if (!isScalar(node) || typeof node.source !== 'string') throw new Error(`not a scalar: ${text}`);
  return { value: node.value, source: node.source };
}

const scalars = generateScalars();
const oracle = JSON.parse(
  execFileSync(PYTHON, [ORACLE], { input: JSON.stringify(scalars), encoding: 'utf8', maxBuffer: 64 << 20 }),
) as Oracle[];

describe('YAML 1.1 readings follow PyYAML SafeLoader', () => {
  test('every generated scalar is a plain scalar to PyYAML, and there are at least 500', () => {
    expect(scalars.length).toBeGreaterThanOrEqual(500);
    expect(scalars.filter((_s, i) => oracle[i]?.type === 'syntax')).toEqual([]);
  });

  test('yaml11Read gives SafeLoader value for every scalar', () => {
    const wrong = scalars
      .map((s, i) => ({ s, python: oracle[i], ours: describeOurs(yaml11Read(s)) }))
      .filter(({ python, ours }) => {
        const p = python ?? { type: 'missing' };
        return p.type !== ours.type || (p.value !== undefined && p.value !== ours.value);
      });
    expect(wrong).toEqual([]);
  });

  test('a warning exactly where SafeLoader value differs from ours', () => {
    let warned = 0;
    const wrong: string[] = [];
    for (const [i, s] of scalars.entries()) {
      const python = oracle[i] as Oracle;
      const { value, source } = ourValue(s);
      const ourText =
        typeof value === 'number' && !/^[-+]?(?:[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+)$/.test(source)
          ? { type: 'float', value: pythonFloatRepr(value) }
          : typeof value === 'number'
            ? { type: 'int', value: String(value) }
            : value === null
              ? { type: 'null' }
              : typeof value === 'boolean'
                ? { type: 'bool', value }
                : { type: 'str', value: typeof value === 'string' ? value : JSON.stringify(value) };
      const same =
        python.type === ourText.type &&
        (python.value === undefined || python.value === ourText.value) &&
        !['date', 'datetime', 'error'].includes(python.type);
      const warning = yaml11Warning(source, value);
      if (warning !== null) warned += 1;
      if (same !== (warning === null))
        wrong.push(`${s}: PyYAML ${JSON.stringify(python)}, warning ${warning}`);
    }
    expect(wrong).toEqual([]);
    expect(warned).toBeGreaterThan(100);
  });
});

describe('yaml11Warnings on a file', () => {
  test('the cases Apsis users meet, with both readings and the position', () => {
    const text = [
      'a: n',
      'b: y',
      'c: yes',
      'd: on',
      'e: 12:00:00',
      'f: 017',
      'g: 1_000',
      'h: 2027-03-12',
      'i: 0o17',
      'j: 1e3',
      'k: "yes"',
      'l: 1.5',
      '',
    ].join('\n');
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, version: '1.2', schema: 'core' });
    const warnings = yaml11Warnings(new FileContext('x.yaml', lineCounter, doc, text));
    expect(warnings.map((w) => `${w.line}:${w.col} ${w.message}`)).toEqual([
      "3:4 warning: Apsis (YAML 1.1) reads yes as the boolean true, Apsis Console as the string 'yes'; quote it to make the meaning plain",
      "4:4 warning: Apsis (YAML 1.1) reads on as the boolean true, Apsis Console as the string 'on'; quote it to make the meaning plain",
      "5:4 warning: Apsis (YAML 1.1) reads 12:00:00 as the number 43200, Apsis Console as the string '12:00:00'; quote it to make the meaning plain",
      '6:4 warning: Apsis (YAML 1.1) reads 017 as the number 15, Apsis Console as the number 17; quote it to make the meaning plain',
      "7:4 warning: Apsis (YAML 1.1) reads 1_000 as the number 1000, Apsis Console as the string '1_000'; quote it to make the meaning plain",
      "8:4 warning: Apsis (YAML 1.1) reads 2027-03-12 as a date, Apsis Console as the string '2027-03-12'; quote it to make the meaning plain",
      "9:4 warning: Apsis (YAML 1.1) reads 0o17 as the string '0o17', Apsis Console as the number 15; quote it to make the meaning plain",
      "10:4 warning: Apsis (YAML 1.1) reads 1e3 as the string '1e3', Apsis Console as the number 1000.0; quote it to make the meaning plain",
    ]);
  });
});
