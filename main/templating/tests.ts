/** Jinja2's built-in tests (`x is even`, `x is divisibleby(3)`, `x is in(xs)`), with Jinja2's results. */
import { bindArgs } from './filter-support.js';
import { pyBinary } from './py-binary.js';
import { pyContains, pyOrder } from './py-ops.js';
import {
  hashKey,
  isList,
  type Kwargs,
  PyDict,
  PyDictView,
  pyEquals,
  PyFunction,
  PyIter,
  PyMarkup,
  PyRange,
  pyStr,
  PyTuple,
  PyUndefined,
} from './py-values.js';
import type { FilterFn } from './render.js';
import { pyGetAttr } from './py-methods.js';

/** Tests refused at load, with the reason. */
export const REFUSED_TESTS: ReadonlyMap<string, string> = new Map([
  ['sameas', 'it compares Python object identity'],
]);

const one =
  (name: string, fn: (v: unknown) => boolean): FilterFn =>
  (_e, v, args, kwargs) => {
    bindArgs(name, args, kwargs, [], {});
    return fn(v);
  };
const two =
  (name: string, param: string, fn: (v: unknown, other: unknown) => boolean): FilterFn =>
  (_e, v, args, kwargs: Kwargs) => {
    const [other] = bindArgs(name, args, kwargs, [param], {});
    return fn(v, other);
  };

const isStr = (v: unknown): boolean => typeof v === 'string' || v instanceof PyMarkup;
const isSequence = (v: unknown): boolean =>
  isStr(v) || isList(v) || v instanceof PyTuple || v instanceof PyDict || v instanceof PyRange;
const lowerOrUpper = (v: unknown, lower: boolean): boolean => {
  const s = pyStr(v);
  const method = pyGetAttr(s, lower ? 'islower' : 'isupper') as PyFunction;
  return method.call([], new Map()) === true;
};

const eq = (v: unknown, o: unknown): boolean => pyEquals(v, o);
const ne = (v: unknown, o: unknown): boolean => !pyEquals(v, o);
const gt = (v: unknown, o: unknown): boolean => pyOrder('>', v, o) > 0;
const ge = (v: unknown, o: unknown): boolean => pyOrder('>=', v, o) >= 0;
const lt = (v: unknown, o: unknown): boolean => pyOrder('<', v, o) < 0;
const le = (v: unknown, o: unknown): boolean => pyOrder('<=', v, o) <= 0;

export function makeTests(filters: ReadonlyMap<string, unknown>): ReadonlyMap<string, FilterFn> {
  const tests = new Map<string, FilterFn>();
  const list: [string, FilterFn][] = [
    ['odd', one('odd', (v) => pyEquals(pyBinary('%', v, 2n), 1n))],
    ['even', one('even', (v) => pyEquals(pyBinary('%', v, 2n), 0n))],
    ['divisibleby', two('divisibleby', 'num', (v, n) => pyEquals(pyBinary('%', v, n), 0n))],
    ['defined', one('defined', (v) => !(v instanceof PyUndefined))],
    ['undefined', one('undefined', (v) => v instanceof PyUndefined)],
    ['filter', one('filter', (v) => hashKey(v) !== '' && typeof v === 'string' && filters.has(v))],
    ['test', one('test', (v) => hashKey(v) !== '' && typeof v === 'string' && tests.has(v))],
    ['none', one('none', (v) => v === null)],
    ['boolean', one('boolean', (v) => typeof v === 'boolean')],
    ['false', one('false', (v) => v === false)],
    ['true', one('true', (v) => v === true)],
    ['integer', one('integer', (v) => typeof v === 'bigint')],
    ['float', one('float', (v) => typeof v === 'number')],
    ['lower', one('lower', (v) => lowerOrUpper(v, true))],
    ['upper', one('upper', (v) => lowerOrUpper(v, false))],
    ['string', one('string', isStr)],
    ['mapping', one('mapping', (v) => v instanceof PyDict)],
    [
      'number',
      one('number', (v) => typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean'),
    ],
    ['sequence', one('sequence', isSequence)],
    ['iterable', one('iterable', (v) => isSequence(v) || v instanceof PyIter || v instanceof PyDictView)],
    ['callable', one('callable', (v) => v instanceof PyFunction)],
    ['escaped', one('escaped', (v) => v instanceof PyMarkup)],
    ['in', two('in', 'seq', (v, seq) => pyContains(seq, v))],
    ['==', two('eq', 'b', eq)],
    ['eq', two('eq', 'b', eq)],
    ['equalto', two('eq', 'b', eq)],
    ['!=', two('ne', 'b', ne)],
    ['ne', two('ne', 'b', ne)],
    ['>', two('gt', 'b', gt)],
    ['gt', two('gt', 'b', gt)],
    ['greaterthan', two('gt', 'b', gt)],
    ['>=', two('ge', 'b', ge)],
    ['ge', two('ge', 'b', ge)],
    ['<', two('lt', 'b', lt)],
    ['lt', two('lt', 'b', lt)],
    ['lessthan', two('lt', 'b', lt)],
    ['<=', two('le', 'b', le)],
    ['le', two('le', 'b', le)],
  ];
  for (const [name, fn] of list) tests.set(name, fn);
  return tests;
}
