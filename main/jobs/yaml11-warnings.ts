/**
 * Apsis reads job files with PyYAML's SafeLoader (YAML 1.1); we read YAML 1.2's core schema (SPEC 3.2, D36).
 * Where the two give a plain scalar different values, `apsis check` warns with both readings, so an Apsis
 * folder migrates knowingly. `yaml11Read` follows SafeLoader's implicit resolvers and constructors exactly:
 * `y`/`n` stay strings there, `yes`/`on` are true, `12:00:00` is 43200, `017` is 15, `1_000` is 1000,
 * `2027-03-12` is a date, `0o17` and `1e3` are strings. The differential test checks it against PyYAML.
 */
import { isScalar, visit } from 'yaml';
import type { Problem } from '../../shared/model/problem.js';
import { pythonFloatRepr } from './values.js';
import type { FileContext } from './yaml-reader.js';

/** A plain scalar's value under PyYAML's SafeLoader. */
export type Yaml11Value =
  | { type: 'null' }
  | { type: 'bool'; value: boolean }
  | { type: 'int'; value: bigint }
  | { type: 'float'; value: number }
  | { type: 'str'; value: string }
  | { type: 'date' | 'datetime'; value: string }
  /** SafeLoader raises while constructing the value, so Apsis cannot load the file. */
  | { type: 'error'; message: string };

// SafeLoader's implicit resolvers (PyYAML resolver.py), tried in this order for a plain scalar.
const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const MERGE = /^<<$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
const TIMESTAMP =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;
const VALUE = /^=$/;

/** Python's int(text, base), or null where Python raises. */
function pyInt(text: string, base: 2 | 8 | 10 | 16): bigint | null {
  const digits = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[base];
  if (!digits.test(text)) return null;
  const prefix = { 2: '0b', 8: '0o', 10: '', 16: '0x' }[base];
  return BigInt(`${prefix}${text}`);
}

function constructInt(source: string): Yaml11Value {
  let text = source.replace(/_/g, '');
  let sign = 1n;
  if (text.startsWith('-')) sign = -1n;
  if (text.startsWith('-') || text.startsWith('+')) text = text.slice(1);
  let value: bigint | null;
  if (text === '0') value = 0n;
  else if (text.startsWith('0b')) value = pyInt(text.slice(2), 2);
  else if (text.startsWith('0x')) value = pyInt(text.slice(2), 16);
  else if (text.startsWith('0')) value = pyInt(text, 8);
  else if (text.includes(':')) {
    value = 0n;
    for (const part of text.split(':')) value = value * 60n + BigInt(part);
  } else value = pyInt(text, 10);
  if (value === null) return { type: 'error', message: `invalid literal for int(): '${source}'` };
  return { type: 'int', value: sign * value };
}

function constructFloat(source: string): Yaml11Value {
  let text = source.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (text.startsWith('-')) sign = -1;
  if (text.startsWith('-') || text.startsWith('+')) text = text.slice(1);
  if (text === '.inf') return { type: 'float', value: sign * Infinity };
  if (text === '.nan') return { type: 'float', value: NaN };
  if (text.includes(':')) {
    let value = 0;
    for (const part of text.split(':')) value = value * 60 + Number(part);
    return { type: 'float', value: sign * value };
  }
  return { type: 'float', value: sign * Number(text) };
}

const daysIn = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

function constructTimestamp(source: string): Yaml11Value {
  const m =
    /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)?$/.exec(
      source,
    );
  if (m === null) return { type: 'error', message: `bad timestamp '${source}'` };
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const bad = (what: string): Yaml11Value => ({
    type: 'error',
    message: `${what} out of range in '${source}'`,
  });
  if (year < 1) return bad('year');
  if (month < 1 || month > 12) return bad('month');
  if (day < 1 || day > daysIn(year, month)) return bad('day');
  if (m[4] === undefined) return { type: 'date', value: source };
  if (Number(m[4]) > 23) return bad('hour');
  if (Number(m[5]) > 59) return bad('minute');
  if (Number(m[6]) > 59) return bad('second');
  // Python's timedelta takes any offset hours and minutes; datetime's tzinfo wants less than a day.
  const offset = m[10] === undefined ? 0 : Number(m[10]) * 60 + Number(m[11] ?? 0);
  if (offset >= 24 * 60) return bad('time zone offset');
  return { type: 'datetime', value: source };
}

/** A plain scalar as PyYAML's SafeLoader reads it. */
export function yaml11Read(text: string): Yaml11Value {
  if (BOOL.test(text)) return { type: 'bool', value: /^(?:yes|true|on)$/i.test(text) };
  if (FLOAT.test(text)) return constructFloat(text);
  if (INT.test(text)) return constructInt(text);
  if (MERGE.test(text) || VALUE.test(text)) {
    const tag = text === '=' ? 'value' : 'merge';
    return {
      type: 'error',
      message: `could not determine a constructor for the tag 'tag:yaml.org,2002:${tag}'`,
    };
  }
  if (NULL.test(text)) return { type: 'null' };
  if (TIMESTAMP.test(text)) return constructTimestamp(text);
  return { type: 'str', value: text };
}

/** Integers as our YAML 1.2 reading types them (SPEC 4.2: `1.0` stays a float). */
const CORE_INT = /^[-+]?(?:[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+)$/;

/** Whether SafeLoader's value equals ours (`value` read from `source` by the YAML 1.2 core schema). */
export function sameReading(old: Yaml11Value, value: unknown, source: string): boolean {
  switch (old.type) {
    case 'null':
      return value === null;
    case 'bool':
    case 'str':
      return value === old.value;
    case 'int':
      return typeof value === 'number' && CORE_INT.test(source) && BigInt(value) === old.value;
    case 'float':
      return (
        typeof value === 'number' &&
        !CORE_INT.test(source) &&
        (value === old.value || (Number.isNaN(value) && Number.isNaN(old.value)))
      );
    default:
      return false;
  }
}

function describeOld(old: Yaml11Value): string {
  switch (old.type) {
    case 'null':
      return 'null (None)';
    case 'bool':
      return `the boolean ${String(old.value)}`;
    case 'int':
      return `the number ${old.value}`;
    case 'float':
      return `the number ${pythonFloatRepr(old.value)}`;
    case 'str':
      return `the string '${old.value}'`;
    case 'date':
      return 'a date';
    case 'datetime':
      return 'a timestamp';
    case 'error':
      return `an error (${old.message}), so Apsis cannot load this file`;
  }
}

function describeNew(v: unknown, source: string): string {
  if (typeof v === 'string') return `the string '${v}'`;
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return `the number ${CORE_INT.test(source) ? String(v) : pythonFloatRepr(v)}`;
  return typeof v === 'boolean' ? `the boolean ${v}` : 'another value';
}

/** The warning for a plain scalar that SafeLoader reads differently, or null when both agree. */
export function yaml11Warning(source: string, value: unknown): string | null {
  const old = yaml11Read(source);
  if (sameReading(old, value, source)) return null;
  return `warning: Apsis (YAML 1.1) reads ${source} as ${describeOld(old)}, Apsis Console as ${describeNew(value, source)}; quote it to make the meaning plain`;
}

/** Warnings for the plain scalars of a parsed file that YAML 1.1 reads differently. */
export function yaml11Warnings(ctx: FileContext): Problem[] {
  const out: Problem[] = [];
  if (ctx.doc === null) return out;
  visit(ctx.doc, {
    Scalar(_key, node) {
      if (!isScalar(node) || node.type !== 'PLAIN' || typeof node.source !== 'string') return;
      const message = yaml11Warning(node.source, node.value);
      if (message === null) return;
      const { line, col } = ctx.position(node.range?.[0] ?? 0);
      out.push({ path: ctx.path, line, col, message });
    },
  });
  return out;
}
