/**
 * Python attribute access on template values (`getattr`): the methods of str (py-str.ts), list, dict and
 * tuple, the attributes of ints, floats and ranges, and the attributes of helper values.
 */
import { meter } from './budget.js';
import { pyContains, pyOrder, toArray } from './py-ops.js';
import { strFormat } from './py-format.js';
import { strMethod } from './py-str.js';
import {
  asInt,
  hashKey,
  isList,
  type Kwargs,
  PyDict,
  PyDictView,
  PyError,
  pyEquals,
  PyFunction,
  PyMarkup,
  PyNamespace,
  PyObject,
  PyRange,
  pyRepr,
  PyTuple,
  typeName,
} from './py-values.js';
import { TemplateValue } from './values.js';

type Method = (args: readonly unknown[], kwargs: Kwargs) => unknown;

function fixed(name: string, min: number, max: number, fn: (a: readonly unknown[]) => unknown): Method {
  return (args, kwargs) => {
    if (kwargs.size > 0) throw new PyError(`${name}() takes no keyword arguments`);
    if (args.length < min || args.length > max)
      throw new PyError(
        `${name}() takes ${min === max ? `exactly ${min}` : `${min} to ${max}`} arguments (${args.length} given)`,
      );
    return fn(args);
  };
}

function indexOf(items: readonly unknown[], x: unknown, what: string): bigint {
  const i = items.findIndex((y) => pyEquals(x, y));
  meter().iterate(i < 0 ? items.length : i + 1);
  if (i < 0) throw new PyError(`${pyRepr(x)} is not in ${what}`);
  return BigInt(i);
}

function count(items: readonly unknown[], x: unknown): bigint {
  meter().iterate(items.length);
  return BigInt(items.filter((y) => pyEquals(x, y)).length);
}

/** Sorts in place with Python's ordering (stable); `key` may be a callable. */
export function pySort(items: unknown[], key: unknown, reverse: boolean): void {
  meter().iterate(items.length);
  const keyed = items.map((v) => ({
    v,
    k: key === null || key === undefined ? v : key instanceof PyFunction ? key.call([v], new Map()) : v,
  }));
  // Stable either way: Python's reverse sort keeps equal items in their original order too.
  keyed.sort((a, b) => (reverse ? -1 : 1) * (pyOrder('<', a.k, b.k) || 0));
  items.splice(0, items.length, ...keyed.map((e) => e.v));
}

function listMethod(list: unknown[], name: string): Method | undefined {
  switch (name) {
    case 'append':
      return fixed(name, 1, 1, (a) => {
        meter().iterate();
        list.push(a[0]);
        return null;
      });
    case 'extend':
      return fixed(name, 1, 1, (a) => {
        list.push(...toArray(a[0]));
        return null;
      });
    case 'insert':
      return fixed(name, 2, 2, (a) => {
        const i = Number(asInt(a[0]) ?? 0n);
        const at = i < 0 ? Math.max(0, list.length + i) : Math.min(i, list.length);
        meter().iterate();
        list.splice(at, 0, a[1]);
        return null;
      });
    case 'pop':
      return fixed(name, 0, 1, (a) => {
        if (list.length === 0) throw new PyError('pop from empty list');
        const i = a[0] === undefined ? list.length - 1 : Number(asInt(a[0]) ?? 0n);
        const at = i < 0 ? list.length + i : i;
        if (at < 0 || at >= list.length) throw new PyError('pop index out of range');
        return list.splice(at, 1)[0];
      });
    case 'remove':
      return fixed(name, 1, 1, (a) => {
        list.splice(Number(indexOf(list, a[0], 'list')), 1);
        return null;
      });
    case 'index':
      return fixed(name, 1, 1, (a) => indexOf(list, a[0], 'list'));
    case 'count':
      return fixed(name, 1, 1, (a) => count(list, a[0]));
    case 'reverse':
      return fixed(name, 0, 0, () => {
        list.reverse();
        return null;
      });
    case 'copy':
      return fixed(name, 0, 0, () => [...list]);
    case 'clear':
      return fixed(name, 0, 0, () => {
        list.length = 0;
        return null;
      });
    case 'sort':
      return (args, kwargs) => {
        if (args.length > 0) throw new PyError('sort() takes no positional arguments');
        pySort(list, kwargs.get('key') ?? null, kwargs.get('reverse') === true);
        return null;
      };
    default:
      return undefined;
  }
}

function dictMethod(d: PyDict, name: string): Method | undefined {
  switch (name) {
    case 'get':
      return fixed(name, 1, 2, (a) => {
        hashKey(a[0]);
        return d.has(a[0]) ? d.get(a[0]) : (a[1] ?? null);
      });
    case 'keys':
      return fixed(name, 0, 0, () => new PyDictView('dict_keys', d.keys()));
    case 'values':
      return fixed(name, 0, 0, () => new PyDictView('dict_values', d.values()));
    case 'items':
      return fixed(
        name,
        0,
        0,
        () =>
          new PyDictView(
            'dict_items',
            d.entries().map(([k, v]) => new PyTuple([k, v])),
          ),
      );
    case 'pop':
      return fixed(name, 1, 2, (a) => {
        if (d.has(a[0])) {
          const v = d.get(a[0]);
          d.delete(a[0]);
          return v;
        }
        if (a.length > 1) return a[1];
        throw new PyError(`KeyError: ${pyRepr(a[0])}`);
      });
    case 'popitem':
      return fixed(name, 0, 0, () => {
        const last = d.entries().pop();
        if (last === undefined) throw new PyError("'popitem(): dictionary is empty'");
        d.delete(last[0]);
        return new PyTuple(last);
      });
    case 'setdefault':
      return fixed(name, 1, 2, (a) => {
        if (!d.has(a[0])) d.set(a[0], a[1] ?? null);
        return d.get(a[0]);
      });
    case 'update':
      return (args, kwargs) => {
        if (args.length > 1) throw new PyError(`update expected at most 1 argument, got ${args.length}`);
        const src = args[0];
        if (src instanceof PyDict) for (const [k, v] of src.entries()) d.set(k, v);
        else if (src !== undefined)
          for (const pair of toArray(src)) {
            const kv = toArray(pair);
            if (kv.length !== 2) throw new PyError('dictionary update sequence element has the wrong length');
            d.set(kv[0], kv[1]);
          }
        for (const [k, v] of kwargs) d.set(k, v);
        meter().iterate(d.size);
        return null;
      };
    case 'copy':
      return fixed(name, 0, 0, () => new PyDict(d.entries()));
    case 'clear':
      return fixed(name, 0, 0, () => {
        d.clear();
        return null;
      });
    default:
      return undefined;
  }
}

function numberAttr(v: bigint | number | boolean, name: string): unknown {
  if (typeof v === 'number') {
    switch (name) {
      case 'real':
        return v;
      case 'imag':
        return 0;
      case 'is_integer':
        return new PyFunction(
          name,
          fixed(name, 0, 0, () => Number.isInteger(v)),
        );
      case 'conjugate':
        return new PyFunction(
          name,
          fixed(name, 0, 0, () => v),
        );
      default:
        return undefined;
    }
  }
  const n = asInt(v) as bigint;
  switch (name) {
    case 'real':
    case 'numerator':
      return n;
    case 'imag':
      return 0n;
    case 'denominator':
      return 1n;
    case 'bit_length':
      return new PyFunction(
        name,
        fixed(name, 0, 0, () => BigInt(n === 0n ? 0 : (n < 0n ? -n : n).toString(2).length)),
      );
    case 'conjugate':
      return new PyFunction(
        name,
        fixed(name, 0, 0, () => n),
      );
    case 'as_integer_ratio':
      return new PyFunction(
        name,
        fixed(name, 0, 0, () => new PyTuple([n, 1n])),
      );
    default:
      return undefined;
  }
}

/** Python's `getattr(obj, name)`; undefined when the object has no such attribute. */
export function pyGetAttr(obj: unknown, name: string): unknown {
  if (name.startsWith('_')) return undefined;
  const bind = (m: Method | undefined): PyFunction | undefined =>
    m === undefined ? undefined : new PyFunction(name, m);
  if (typeof obj === 'string' || obj instanceof PyMarkup) {
    const s = typeof obj === 'string' ? obj : obj.text;
    if (name === 'format')
      return new PyFunction(name, (args, kwargs) => strFormat(s, args, kwargs, pyGetAttr));
    if (name === 'format_map')
      return new PyFunction(
        name,
        fixed(name, 1, 1, ([m]) => {
          if (!(m instanceof PyDict)) throw new PyError(`'${typeName(m)}' object is not a mapping`);
          const kwargs = new Map(m.entries().filter(([k]) => typeof k === 'string') as [string, unknown][]);
          return strFormat(s, [], kwargs, pyGetAttr);
        }),
      );
    return strMethod(s, name);
  }
  if (typeof obj === 'bigint' || typeof obj === 'number' || typeof obj === 'boolean')
    return numberAttr(obj, name);
  if (isList(obj)) return bind(listMethod(obj, name));
  if (obj instanceof PyDict) return bind(dictMethod(obj, name));
  if (obj instanceof PyTuple) {
    const field = obj.fields.indexOf(name);
    if (field >= 0) return obj.items[field];
    if (name === 'index') return bind(fixed(name, 1, 1, (a) => indexOf(obj.items, a[0], 'tuple')));
    if (name === 'count') return bind(fixed(name, 1, 1, (a) => count(obj.items, a[0])));
    return undefined;
  }
  if (obj instanceof PyRange) {
    if (name === 'start' || name === 'stop' || name === 'step') return obj[name];
    if (name === 'count') return bind(fixed(name, 1, 1, (a) => (pyContains(obj, a[0]) ? 1n : 0n)));
    return undefined;
  }
  if (obj instanceof PyNamespace) return obj.attrs.get(name);
  if (obj instanceof PyObject) return obj.attr(name);
  if (obj instanceof TemplateValue) {
    const v = obj.attr(name);
    if (typeof v === 'function') {
      const fn = v as (...args: unknown[]) => unknown;
      return new PyFunction(name, (args, kwargs) => {
        if (kwargs.size > 0) throw new PyError(`${obj.typeName}.${name}() takes no keyword arguments`);
        return fn(...args);
      });
    }
    return v;
  }
  if (obj instanceof PyFunction) return obj.attrs.get(name);
  return undefined;
}

/** The message for a missing attribute. */
export function noAttribute(obj: unknown, name: string): PyError {
  return new PyError(`'${typeName(obj)}' object has no attribute '${name}'`);
}
