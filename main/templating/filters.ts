/**
 * Jinja2's built-in filters with Jinja2's results (`'ab-cd' | title` is `Ab-Cd`, `2.5 | round` is `2.0`,
 * `truncate` keeps Jinja2's leeway of 5), as Apsis's environment has them (no autoescaping). Filters
 * whose result Apsis picks at random, or whose algorithm we do not reproduce, are refused when the
 * template is read (REFUSED_FILTERS). Per-item work counts against the render's budget.
 */
import { percentFormat } from './py-format.js';
import { pyGetAttr } from './py-methods.js';
import { escapeHtml } from './py-binary.js';
import { pyCapitalize, pyJustify, pyReplace, pyStrip } from './py-str.js';
import {
  asNumber,
  type Kwargs,
  PyDict,
  PyError,
  PyIter,
  pyLen,
  PyMarkup,
  pyStr,
  PyTuple,
  PyUndefined,
  truthy,
  typeName,
} from './py-values.js';
import type { FilterFn, RenderEnv } from './render.js';
import { bindArgs, doInt, int, items, text, toPyFloat } from './filter-support.js';
import {
  doBatch,
  doDictsort,
  doFirst,
  doGroupby,
  doJoin,
  doLast,
  doMap,
  doReverse,
  doSlice,
  doSort,
  doSum,
  doUnique,
  minMax,
  selectOrReject,
} from './filters-seq.js';
import {
  doFilesize,
  doIndent,
  doRound,
  doTitle,
  doTruncate,
  doUrlencode,
  doXmlattr,
  pformat,
  striptags,
  toJson,
} from './filters-text.js';

/** Filters refused at load, with the reason. */
export const REFUSED_FILTERS: ReadonlyMap<string, string> = new Map([
  ['random', 'Apsis picks its item at random'],
  ['urlize', 'its link detection is not reproduced'],
  ['wordwrap', "Python's textwrap is not reproduced"],
]);

/** A filter with a fixed signature (after the value). */
function fixed(
  fname: string,
  names: readonly string[],
  defaults: Readonly<Record<string, unknown>>,
  fn: (env: RenderEnv, value: unknown, a: unknown[]) => unknown,
): FilterFn {
  return (env, value, args, kwargs) => fn(env, value, bindArgs(fname, args, kwargs, names, defaults));
}

function doAbs(value: unknown): unknown {
  const n = asNumber(value);
  if (n === null) throw new PyError(`bad operand type for abs(): '${typeName(value)}'`);
  return typeof n === 'bigint' ? (n < 0n ? -n : n) : Math.abs(n);
}

function doFormat(value: unknown, args: readonly unknown[], kwargs: Kwargs): string {
  if (args.length > 0 && kwargs.size > 0)
    throw new PyError("can't handle positional and keyword arguments at the same time");
  const operand = kwargs.size > 0 ? new PyDict([...kwargs.entries()]) : new PyTuple(args);
  return percentFormat(text(value), operand);
}

function doItems(value: unknown): PyIter {
  if (!(value instanceof PyDict)) throw new PyError('Can only get item pairs from a mapping.');
  return new PyIter(value.entries().map((e) => new PyTuple(e)));
}

const centerOf = (value: unknown, width: unknown): string =>
  pyJustify(text(value), int(width, 'width'), ' ', '^');

const FILTER_LIST: [string, FilterFn][] = [
  ['abs', fixed('abs', [], {}, (_e, v) => doAbs(v))],
  [
    'attr',
    fixed('attr', ['name'], {}, (_e, v, [name]) => {
      const r = typeof name === 'string' ? pyGetAttr(v, name) : undefined;
      if (r === undefined) throw new PyError(`'${typeName(v)}' object has no attribute ${pyStr(name)}`);
      return r;
    }),
  ],
  [
    'batch',
    fixed('batch', ['linecount', 'fill_with'], { fill_with: null }, (_e, v, [n, f]) => doBatch(v, n, f)),
  ],
  ['capitalize', fixed('capitalize', [], {}, (_e, v) => pyCapitalize(text(v)))],
  ['center', fixed('center', ['width'], { width: 80n }, (_e, v, [w]) => centerOf(v, w))],
  ['count', fixed('count', [], {}, (_e, v) => pyLen(v))],
  [
    'default',
    fixed('default', ['default_value', 'boolean'], { default_value: '', boolean: false }, (_e, v, [d, b]) =>
      v instanceof PyUndefined || (truthy(b) && !truthy(v)) ? d : v,
    ),
  ],
  [
    'dictsort',
    fixed(
      'dictsort',
      ['case_sensitive', 'by', 'reverse'],
      { case_sensitive: false, by: 'key', reverse: false },
      (_e, v, [c, by, r]) => doDictsort(v, c, by, r),
    ),
  ],
  [
    'escape',
    fixed('escape', [], {}, (_e, v) => (v instanceof PyMarkup ? v : new PyMarkup(escapeHtml(text(v))))),
  ],
  [
    'filesizeformat',
    fixed('filesizeformat', ['binary'], { binary: false }, (_e, v, [b]) => doFilesize(v, b)),
  ],
  ['first', fixed('first', [], {}, (_e, v) => doFirst(v))],
  [
    'float',
    fixed('float', ['default'], { default: 0 }, (_e, v, [d]) => {
      const f = toPyFloat(v);
      return f === null ? d : f;
    }),
  ],
  ['forceescape', fixed('forceescape', [], {}, (_e, v) => new PyMarkup(escapeHtml(text(v))))],
  ['format', (_e, v, args, kwargs) => doFormat(v, args, kwargs)],
  [
    'groupby',
    fixed(
      'groupby',
      ['attribute', 'default', 'case_sensitive'],
      { default: null, case_sensitive: false },
      (e, v, [a, d, c]) => doGroupby(e, v, a, d, c),
    ),
  ],
  [
    'indent',
    fixed(
      'indent',
      ['width', 'first', 'blank'],
      { width: 4n, first: false, blank: false },
      (_e, v, [w, f, b]) => doIndent(v, w, f, b),
    ),
  ],
  ['int', fixed('int', ['default', 'base'], { default: 0n, base: 10n }, (_e, v, [d, b]) => doInt(v, d, b))],
  ['items', fixed('items', [], {}, (_e, v) => doItems(v))],
  [
    'join',
    fixed('join', ['d', 'attribute'], { d: '', attribute: null }, (e, v, [d, a]) => doJoin(e, v, d, a)),
  ],
  ['last', fixed('last', [], {}, (_e, v) => doLast(v))],
  ['length', fixed('length', [], {}, (_e, v) => pyLen(v))],
  ['list', fixed('list', [], {}, (_e, v) => items(v))],
  ['lower', fixed('lower', [], {}, (_e, v) => text(v).toLowerCase())],
  ['map', (e, v, args, kwargs) => doMap(e, v, args, kwargs)],
  [
    'max',
    fixed('max', ['case_sensitive', 'attribute'], { case_sensitive: false, attribute: null }, (e, v, a) =>
      minMax(e, v, a, true),
    ),
  ],
  [
    'min',
    fixed('min', ['case_sensitive', 'attribute'], { case_sensitive: false, attribute: null }, (e, v, a) =>
      minMax(e, v, a, false),
    ),
  ],
  ['pprint', fixed('pprint', [], {}, (_e, v) => pformat(v))],
  ['reject', (e, v, args, kwargs) => selectOrReject(e, v, args, kwargs, false, false)],
  ['rejectattr', (e, v, args, kwargs) => selectOrReject(e, v, args, kwargs, false, true)],
  [
    'replace',
    fixed('replace', ['old', 'new', 'count'], { count: null }, (_e, v, [o, n, c]) =>
      pyReplace(text(v), text(o), text(n), c === null ? -1 : Number(int(c, 'count'))),
    ),
  ],
  ['reverse', fixed('reverse', [], {}, (_e, v) => doReverse(v))],
  [
    'round',
    fixed('round', ['precision', 'method'], { precision: 0n, method: 'common' }, (_e, v, [p, m]) =>
      doRound(v, p, m),
    ),
  ],
  ['safe', fixed('safe', [], {}, (_e, v) => (v instanceof PyMarkup ? v : new PyMarkup(text(v))))],
  ['select', (e, v, args, kwargs) => selectOrReject(e, v, args, kwargs, true, false)],
  ['selectattr', (e, v, args, kwargs) => selectOrReject(e, v, args, kwargs, true, true)],
  [
    'slice',
    fixed('slice', ['slices', 'fill_with'], { fill_with: null }, (_e, v, [n, f]) => doSlice(v, n, f)),
  ],
  [
    'sort',
    fixed(
      'sort',
      ['reverse', 'case_sensitive', 'attribute'],
      { reverse: false, case_sensitive: false, attribute: null },
      (e, v, [r, c, a]) => doSort(e, v, r, c, a),
    ),
  ],
  ['string', fixed('string', [], {}, (_e, v) => (v instanceof PyMarkup ? v : text(v)))],
  ['striptags', fixed('striptags', [], {}, (_e, v) => striptags(v))],
  [
    'sum',
    fixed('sum', ['attribute', 'start'], { attribute: null, start: 0n }, (e, v, [a, s]) => doSum(e, v, a, s)),
  ],
  ['title', fixed('title', [], {}, (_e, v) => doTitle(v))],
  ['tojson', fixed('tojson', ['indent'], { indent: null }, (_e, v, [i]) => new PyMarkup(toJson(v, i)))],
  [
    'trim',
    fixed('trim', ['chars'], { chars: null }, (_e, v, [c]) =>
      pyStrip(text(v), c === null ? null : text(c), true, true),
    ),
  ],
  [
    'truncate',
    fixed(
      'truncate',
      ['length', 'killwords', 'end', 'leeway'],
      { length: 255n, killwords: false, end: '...', leeway: null },
      (_e, v, [l, k, e, lw]) => doTruncate(v, l, k, e, lw),
    ),
  ],
  [
    'unique',
    fixed(
      'unique',
      ['case_sensitive', 'attribute'],
      { case_sensitive: false, attribute: null },
      (e, v, [c, a]) => doUnique(e, v, c, a),
    ),
  ],
  ['upper', fixed('upper', [], {}, (_e, v) => text(v).toUpperCase())],
  ['urlencode', fixed('urlencode', [], {}, (_e, v) => doUrlencode(v))],
  [
    'wordcount',
    fixed('wordcount', [], {}, (_e, v) => BigInt((text(v).match(/[\p{L}\p{N}_]+/gu) ?? []).length)),
  ],
  ['xmlattr', fixed('xmlattr', ['autospace'], { autospace: true }, (_e, v, [a]) => doXmlattr(v, a))],
];

/** Jinja2's filters by name (`d` and `e` are its aliases of `default` and `escape`). */
export const FILTERS: ReadonlyMap<string, FilterFn> = new Map([
  ...FILTER_LIST,
  ['d', FILTER_LIST.find(([n]) => n === 'default')?.[1] as FilterFn],
  ['e', FILTER_LIST.find(([n]) => n === 'escape')?.[1] as FilterFn],
]);
