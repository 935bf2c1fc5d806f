/** Jinja2's filters over sequences and mappings (sort, unique, groupby, map, select, sum, ...). */
import { meter } from './budget.js';
import { pyBinary } from './py-binary.js';
import { pyOrder } from './py-ops.js';
import {
  hashKey,
  isList,
  type Kwargs,
  PyDict,
  PyError,
  pyEquals,
  PyIter,
  PyMarkup,
  PyRange,
  PyTuple,
  strRepr,
  truthy,
  typeName,
} from './py-values.js';
import type { RenderEnv } from './render.js';
import { attrGetter, int, items, text } from './filter-support.js';

export function minMax(env: RenderEnv, value: unknown, a: unknown[], max: boolean): unknown {
  const list = items(value);
  if (list.length === 0) throw new PyError('No aggregated item, sequence was empty.');
  const key = attrGetter(env, a[1], !truthy(a[0]));
  let best = list[0];
  let bestKey = key(best);
  for (const item of list.slice(1)) {
    const k = key(item);
    if (max ? pyOrder('>', k, bestKey) > 0 : pyOrder('<', k, bestKey) < 0) {
      best = item;
      bestKey = k;
    }
  }
  return best;
}

export function doJoin(env: RenderEnv, value: unknown, d: unknown, attribute: unknown): string {
  const get = attrGetter(env, attribute, false);
  const parts = items(value).map((x) => text(attribute === null ? x : get(x)));
  const sep = text(d);
  meter().stringLength(parts.reduce((n, p) => n + p.length, 0) + sep.length * Math.max(0, parts.length - 1));
  return parts.join(sep);
}

export function doReverse(value: unknown): unknown {
  if (typeof value === 'string' || value instanceof PyMarkup)
    return Array.from(text(value)).reverse().join('');
  if (isList(value) || value instanceof PyTuple || value instanceof PyRange || value instanceof PyDict)
    return new PyIter(items(value).reverse(), 'reversed');
  return items(value).reverse();
}

export function doSum(env: RenderEnv, value: unknown, attribute: unknown, start: unknown): unknown {
  const get = attrGetter(env, attribute, false);
  if (typeof start === 'string') throw new PyError("sum() can't sum strings [use ''.join(seq) instead]");
  let total = start;
  for (const item of items(value)) total = pyBinary('+', total, attribute === null ? item : get(item));
  return total;
}

export function selectOrReject(
  env: RenderEnv,
  value: unknown,
  args: readonly unknown[],
  kwargs: Kwargs,
  keep: boolean,
  byAttr: boolean,
): PyIter {
  if (!truthy(value)) return new PyIter([]);
  let off = 0;
  let get = (x: unknown): unknown => x;
  if (byAttr) {
    if (args.length === 0) throw new PyError('Missing parameter for attribute name');
    get = attrGetter(env, args[0], false);
    off = 1;
  }
  const name = args[off];
  const rest = args.slice(off + 1);
  const test =
    name === undefined
      ? (x: unknown): boolean => truthy(x)
      : (x: unknown): boolean => env.test(text(name), x, rest, kwargs);
  return new PyIter(items(value).filter((x) => test(get(x)) === keep));
}

export function doMap(env: RenderEnv, value: unknown, args: readonly unknown[], kwargs: Kwargs): PyIter {
  if (!truthy(value)) return new PyIter([]);
  if (args.length === 0 && kwargs.has('attribute')) {
    const rest = new Map(kwargs);
    const attribute = rest.get('attribute');
    const dflt = rest.get('default') ?? null;
    rest.delete('attribute');
    rest.delete('default');
    if (rest.size > 0) throw new PyError(`Unexpected keyword argument ${strRepr([...rest.keys()][0] ?? '')}`);
    const get = attrGetter(env, attribute, false, dflt);
    return new PyIter(items(value).map(get));
  }
  if (args.length === 0) throw new PyError('map requires a filter argument');
  const name = text(args[0]);
  const rest = args.slice(1);
  return new PyIter(items(value).map((x) => env.filter(name, x, rest, kwargs)));
}

export function doGroupby(
  env: RenderEnv,
  value: unknown,
  attribute: unknown,
  dflt: unknown,
  caseSensitive: unknown,
): PyTuple[] {
  const key = attrGetter(env, attribute, !truthy(caseSensitive), dflt);
  const keyed = items(value).map((v) => ({ v, k: key(v) }));
  keyed.sort((a, b) => pyOrder('<', a.k, b.k) || 0);
  const groups: { k: unknown; vs: unknown[] }[] = [];
  for (const { v, k } of keyed) {
    const last = groups[groups.length - 1];
    if (last !== undefined && pyEquals(last.k, k)) last.vs.push(v);
    else groups.push({ k, vs: [v] });
  }
  const output = attrGetter(env, attribute, false, dflt);
  return groups.map(
    (g) => new PyTuple([truthy(caseSensitive) ? g.k : output(g.vs[0]), g.vs], ['grouper', 'list']),
  );
}

export function doDictsort(value: unknown, caseSensitive: unknown, by: unknown, reverse: unknown): PyTuple[] {
  if (!(value instanceof PyDict)) throw new PyError(`'${typeName(value)}' object has no attribute 'items'`);
  const pos = by === 'key' ? 0 : by === 'value' ? 1 : -1;
  if (pos < 0) throw new PyError('You can only sort by either "key" or "value"');
  const pairs = value.entries().map((e) => new PyTuple(e));
  const keyOf = (t: unknown): unknown => {
    const v = (t as PyTuple).items[pos];
    return !truthy(caseSensitive) && typeof v === 'string' ? v.toLowerCase() : v;
  };
  const keyed = pairs.map((p) => ({ p, k: keyOf(p) }));
  meter().iterate(keyed.length);
  keyed.sort((a, b) => (truthy(reverse) ? -1 : 1) * (pyOrder('<', a.k, b.k) || 0));
  return keyed.map((e) => e.p);
}

export function doSort(
  env: RenderEnv,
  value: unknown,
  reverse: unknown,
  caseSensitive: unknown,
  attribute: unknown,
): unknown[] {
  const attrs = typeof attribute === 'string' ? attribute.split(',') : [attribute];
  const getters = attrs.map((a) => attrGetter(env, a, !truthy(caseSensitive)));
  const list = items(value);
  const keyed = list.map((v) => ({ v, k: getters.map((g) => g(v)) }));
  meter().iterate(keyed.length);
  keyed.sort((a, b) => (truthy(reverse) ? -1 : 1) * (pyOrder('<', a.k, b.k) || 0));
  return keyed.map((e) => e.v);
}

export function doUnique(env: RenderEnv, value: unknown, caseSensitive: unknown, attribute: unknown): PyIter {
  const key = attrGetter(env, attribute, !truthy(caseSensitive));
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const item of items(value)) {
    const h = hashKey(key(item));
    if (!seen.has(h)) {
      seen.add(h);
      out.push(item);
    }
  }
  return new PyIter(out);
}

export function doBatch(value: unknown, count: unknown, fill: unknown): PyIter {
  const n = Number(int(count, 'linecount'));
  const out: unknown[][] = [];
  let tmp: unknown[] = [];
  for (const item of items(value)) {
    if (tmp.length === n) {
      out.push(tmp);
      tmp = [];
    }
    tmp.push(item);
  }
  if (tmp.length > 0) {
    if (fill !== null && tmp.length < n) {
      meter().iterate(n - tmp.length);
      while (tmp.length < n) tmp.push(fill);
    }
    out.push(tmp);
  }
  return new PyIter(out);
}

export function doSlice(value: unknown, slices: unknown, fill: unknown): PyIter {
  const seq = items(value);
  const n = Number(int(slices, 'slices'));
  if (n === 0) throw new PyError('integer division or modulo by zero');
  meter().iterate(Math.abs(n));
  const per = Math.floor(seq.length / n);
  const extra = seq.length - per * n;
  const out: unknown[][] = [];
  let offset = 0;
  for (let i = 0; i < n; i += 1) {
    const start = offset + i * per;
    if (i < extra) offset += 1;
    const end = offset + (i + 1) * per;
    const tmp = seq.slice(Math.max(0, start), Math.max(0, end));
    if (fill !== null && i >= extra) tmp.push(fill);
    out.push(tmp);
  }
  return new PyIter(out);
}

export function doFirst(value: unknown): unknown {
  if (typeof value === 'string' || value instanceof PyMarkup) {
    const s = text(value);
    if (s === '') throw new PyError('No first item, sequence was empty.');
    return Array.from(s)[0];
  }
  const list = isList(value) ? value : value instanceof PyTuple ? value.items : items(value);
  if (list.length === 0) throw new PyError('No first item, sequence was empty.');
  return list[0];
}

export function doLast(value: unknown): unknown {
  if (value instanceof PyIter) throw new PyError(`'${value.typeName}' object is not reversible`);
  const list =
    typeof value === 'string' || value instanceof PyMarkup ? Array.from(text(value)) : items(value);
  if (list.length === 0) throw new PyError('No last item, sequence was empty.');
  return list[list.length - 1];
}
