/** What the interpreter (render.ts) uses besides the values: Jinja2's `loop` object, argument hints, macro signatures. */
import type { Expr, Stmt } from './ast.js';
import type { PyRange } from './py-values.js';
import { asNumber, PyError, pyEquals, PyFunction, PyObject, PyTuple } from './py-values.js';

/** Jinja2's `loop` object of a `for`. */
export class Loop extends PyObject {
  readonly typeName = 'LoopContext';
  index0 = 0;
  private changedLast: unknown = Symbol('none');
  constructor(
    readonly items: readonly unknown[],
    readonly depth0: number,
    readonly recurse: ((items: unknown) => string) | null,
  ) {
    super();
  }
  attr(name: string): unknown {
    const n = this.items.length;
    const i = this.index0;
    switch (name) {
      case 'index':
        return BigInt(i + 1);
      case 'index0':
        return BigInt(i);
      case 'revindex':
        return BigInt(n - i);
      case 'revindex0':
        return BigInt(n - i - 1);
      case 'first':
        return i === 0;
      case 'last':
        return i === n - 1;
      case 'length':
        return BigInt(n);
      case 'depth':
        return BigInt(this.depth0 + 1);
      case 'depth0':
        return BigInt(this.depth0);
      case 'previtem':
        if (i === 0) throw new PyError("name 'previtem' is not defined");
        return this.items[i - 1];
      case 'nextitem':
        if (i >= n - 1) throw new PyError("name 'nextitem' is not defined");
        return this.items[i + 1];
      case 'cycle':
        return new PyFunction('cycle', (args) => {
          if (args.length === 0) throw new PyError('no items for cycling given');
          return args[i % args.length];
        });
      case 'changed':
        return new PyFunction('changed', (args) => {
          const value = new PyTuple(args);
          if (this.changedLast instanceof PyTuple && pyEquals(value, this.changedLast)) return false;
          this.changedLast = value;
          return true;
        });
      default:
        return undefined;
    }
  }
}

/**
 * Args are strings: when a string arg meets a number, the error says how to convert it
 * (`n + 1` → `...; args are strings: convert with n | int (or | float)`).
 */
export function withArgHint(err: unknown, le: Expr, l: unknown, re: Expr, r: unknown): unknown {
  if (!(err instanceof PyError)) return err;
  const strSide =
    typeof l === 'string' && asNumber(r) !== null
      ? le
      : typeof r === 'string' && asNumber(l) !== null
        ? re
        : null;
  if (strSide === null || strSide.kind !== 'name') return err;
  return new PyError(`${err.message}; args are strings: convert with ${strSide.name} | int (or | float)`);
}

/** The items of a range (already counted against the budget when it was made). */
export function rangeItems(r: PyRange): bigint[] {
  const out: bigint[] = [];
  const n = Number(r.length);
  for (let i = 0; i < n; i += 1) out.push(r.start + BigInt(i) * r.step);
  return out;
}

const readCache = new WeakMap<readonly Stmt[], Map<string, boolean>>();

/** Whether a macro body reads `name` (`varargs`, `kwargs`, `caller`), which decides what the macro accepts. */
export function reads(body: readonly Stmt[], name: string): boolean {
  let names = readCache.get(body);
  if (names === undefined) {
    names = new Map();
    readCache.set(body, names);
  }
  let found = names.get(name);
  if (found === undefined) {
    const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
    found = text.includes(`"kind":"name","name":${JSON.stringify(name)}`);
    names.set(name, found);
  }
  return found;
}
