/**
 * The names every template sees: Jinja2's globals (`range`, `dict`, `cycler`, `joiner`, `namespace`;
 * `lipsum` is refused, its text is random) and Apsis's helpers (helpers.ts, calendar-helper.ts), wrapped
 * as Python callables.
 */
import { meter } from './budget.js';
import { bindArgs } from './filter-support.js';
import type { Helper } from './helpers.js';
import { toArray } from './py-ops.js';
import {
  asInt,
  type Kwargs,
  PyDict,
  PyError,
  PyFunction,
  PyNamespace,
  PyObject,
  PyRange,
  pyStr,
  typeName,
} from './py-values.js';

/** Globals refused at load, with the reason. */
export const REFUSED_GLOBALS: ReadonlyMap<string, string> = new Map([['lipsum', 'its text is random']]);

function intArg(v: unknown): bigint {
  const n = asInt(v);
  if (n === null) throw new PyError(`'${typeName(v)}' object cannot be interpreted as an integer`);
  return n;
}

function makeRange(args: readonly unknown[], kwargs: Kwargs): PyRange {
  if (kwargs.size > 0) throw new PyError('range() takes no keyword arguments');
  if (args.length < 1 || args.length > 3)
    throw new PyError(`range expected at most 3 arguments, got ${args.length}`);
  const [a, b, c] = args.map(intArg);
  const r =
    args.length === 1 ? new PyRange(0n, a as bigint, 1n) : new PyRange(a as bigint, b as bigint, c ?? 1n);
  if (r.step === 0n) throw new PyError('range() arg 3 must not be zero');
  meter().range(r.length > 1_000_000_000n ? 1_000_000_000 : Number(r.length));
  return r;
}

function makeDict(args: readonly unknown[], kwargs: Kwargs): PyDict {
  if (args.length > 1) throw new PyError(`dict expected at most 1 argument, got ${args.length}`);
  const d = new PyDict();
  const src = args[0];
  if (src instanceof PyDict) for (const [k, v] of src.entries()) d.set(k, v);
  else if (src !== undefined)
    for (const pair of toArray(src)) {
      const kv = toArray(pair);
      if (kv.length !== 2)
        throw new PyError(`dictionary update sequence element has length ${kv.length}; 2 is required`);
      d.set(kv[0], kv[1]);
    }
  for (const [k, v] of kwargs) d.set(k, v);
  return d;
}

class Cycler extends PyObject {
  readonly typeName = 'Cycler';
  private pos = 0;
  constructor(private readonly items: readonly unknown[]) {
    super();
  }
  attr(name: string): unknown {
    switch (name) {
      case 'current':
        return this.items[this.pos];
      case 'next':
        return new PyFunction('next', () => {
          const v = this.items[this.pos];
          this.pos = (this.pos + 1) % this.items.length;
          return v;
        });
      case 'reset':
        return new PyFunction('reset', () => {
          this.pos = 0;
          return null;
        });
      case 'items':
        return [...this.items];
      default:
        return undefined;
    }
  }
}

function joiner(args: readonly unknown[], kwargs: Kwargs): PyFunction {
  const [sep] = bindArgs('Joiner', args, kwargs, ['sep'], { sep: ', ' });
  let used = false;
  return new PyFunction('joiner', () => {
    if (!used) {
      used = true;
      return '';
    }
    return sep;
  });
}

/** A helper taking positional arguments only. */
export function wrapHelper(name: string, helper: Helper): PyFunction {
  return new PyFunction(name, (args, kwargs) => {
    if (kwargs.size > 0) throw new PyError(`${name}() takes no keyword arguments`);
    return helper(...args);
  });
}

/** Jinja2's globals. */
export const JINJA_GLOBALS: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ['range', new PyFunction('range', makeRange, 'type')],
  ['dict', new PyFunction('dict', makeDict, 'type')],
  [
    'cycler',
    new PyFunction(
      'cycler',
      (args) => {
        if (args.length === 0) throw new PyError('at least one item has to be provided');
        return new Cycler(args);
      },
      'type',
    ),
  ],
  ['joiner', new PyFunction('joiner', joiner, 'type')],
  [
    'namespace',
    new PyFunction(
      'namespace',
      (args, kwargs) =>
        new PyNamespace(
          new Map(
            makeDict(args, kwargs)
              .entries()
              .map(([k, v]) => [pyStr(k), v]),
          ),
        ),
      'type',
    ),
  ],
]);
