/**
 * The template interpreter: walks the syntax tree with Jinja2's semantics as Apsis configures it (an
 * undefined name, attribute or key is an error, never an empty string), Python's values and operators,
 * and Jinja2's scoping (a `for` body, macro or `with` has its own scope; `if` has none). Every loop
 * iteration, value and output byte is counted against the render's budget.
 */
import type { CallArgs, Expr, MacroDef, Stmt, Target } from './ast.js';
import { BudgetExceeded, MAX_CALL_DEPTH, meter } from './budget.js';
import { pyGetAttr } from './py-methods.js';
import { pyBinary } from './py-binary.js';
import { Loop, rangeItems, reads, withArgHint } from './render-support.js';
import { concat, iterate, pyContains, pyGetItem, pyOrder, pyUnary, toArray } from './py-ops.js';
import {
  asInt,
  type Kwargs,
  PyDict,
  PyError,
  pyEquals,
  PyFunction,
  PyNamespace,
  PyRange,
  PySlice,
  pyStr,
  PyTuple,
  PyUndefined,
  truthy,
  typeName,
} from './py-values.js';

/** An error while rendering, at a 1-based position in the template. */
export class RenderError extends Error {
  override readonly name = 'RenderError';
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message);
  }
}

/** A filter or test as the interpreter calls it. */
export type FilterFn = (env: RenderEnv, value: unknown, args: readonly unknown[], kwargs: Kwargs) => unknown;

/** What filters and tests need from the render: other filters and tests, Jinja2's attribute lookup. */
export interface RenderEnv {
  filter(name: string, value: unknown, args: readonly unknown[], kwargs: Kwargs): unknown;
  test(name: string, value: unknown, args: readonly unknown[], kwargs: Kwargs): boolean;
  getattr(obj: unknown, name: string): unknown;
  getitem(obj: unknown, key: unknown): unknown;
  call(fn: unknown, args: readonly unknown[], kwargs: Kwargs): unknown;
}

export interface Tables {
  readonly filters: ReadonlyMap<string, FilterFn>;
  readonly tests: ReadonlyMap<string, FilterFn>;
}

/** Names bound in one scope: a few parallel arrays, since most scopes (loop iterations) bind one or two. */
class Scope {
  private readonly names: string[] = [];
  private readonly values: unknown[] = [];
  constructor(readonly parent: Scope | null) {}
  set(name: string, value: unknown): void {
    const i = this.names.indexOf(name);
    if (i >= 0) this.values[i] = value;
    else {
      this.names.push(name);
      this.values.push(value);
    }
  }
  lookup(name: string): unknown {
    const i = this.names.indexOf(name);
    if (i >= 0) return this.values[i];
    return this.parent === null ? undefined : this.parent.lookup(name);
  }
}

/** A text buffer bounded by the output limit; the root buffer's text is counted as output. */
class Out {
  private buffer = '';
  constructor(private readonly root: boolean) {}
  push(text: string): void {
    if (text === '') return;
    if (this.root) meter().output(text);
    else meter().stringLength(this.buffer.length + text.length);
    this.buffer += text;
  }
  text(): string {
    return this.buffer;
  }
}

/** One render of a parsed template. */
export class Interpreter implements RenderEnv {
  private depth = 0;
  constructor(private readonly tables: Tables) {}

  /** Evaluates an expression that reads no names (a constant Jinja2 would fold). */
  evalConstant(e: Expr): unknown {
    return this.eval(e, new Scope(null));
  }

  render(body: readonly Stmt[], vars: ReadonlyMap<string, unknown>): string {
    const root = new Scope(null);
    for (const [k, v] of vars) root.set(k, v);
    const out = new Out(true);
    this.exec(body, new Scope(root), out);
    return out.text();
  }

  // ---- statements

  private exec(body: readonly Stmt[], scope: Scope, out: Out): void {
    for (const stmt of body) {
      meter().step();
      switch (stmt.kind) {
        case 'data':
          out.push(stmt.text);
          break;
        case 'output':
          out.push(this.at(stmt.expr, () => pyStr(this.eval(stmt.expr, scope))));
          break;
        case 'if':
          this.exec(truthy(this.eval(stmt.test, scope)) ? stmt.body : stmt.otherwise, scope, out);
          break;
        case 'for':
          this.execFor(stmt, scope, out, 0, null);
          break;
        case 'set':
          this.assign(stmt.target, this.eval(stmt.value, scope), scope);
          break;
        case 'setblock': {
          const buffer = new Out(false);
          // The captured body has a scope of its own: a `{% set %}` inside it stays inside.
          this.exec(stmt.body, new Scope(scope), buffer);
          let value: unknown = buffer.text();
          if (stmt.filter !== null) value = this.eval(stmt.filter, scope, value);
          this.assign(stmt.target, value, scope);
          break;
        }
        case 'with': {
          const inner = new Scope(scope);
          stmt.targets.forEach((t, i) => this.assign(t, this.eval(stmt.values[i] as Expr, scope), inner));
          this.exec(stmt.body, inner, out);
          break;
        }
        case 'macro':
          scope.set(stmt.macro.name, this.macro(stmt.macro, scope));
          break;
        case 'callblock': {
          const caller = this.macro(stmt.macro, scope);
          const call = stmt.call;
          if (call.kind !== 'call') throw new RenderError('expected call', stmt.line, stmt.col);
          const value = this.at(call, () => {
            const fn = this.eval(call.callee, scope);
            const [args, kwargs] = this.args(call.args, scope);
            return this.call(fn, args, new Map([...kwargs, ['caller', caller]]));
          });
          out.push(pyStr(value));
          break;
        }
        case 'filterblock': {
          const buffer = new Out(false);
          this.exec(stmt.body, new Scope(scope), buffer);
          out.push(this.at(stmt.filter, () => pyStr(this.eval(stmt.filter, scope, buffer.text()))));
          break;
        }
        case 'unsupported':
          throw new RenderError(`${stmt.what} is not supported in job templates`, stmt.line, stmt.col);
      }
    }
  }

  private execFor(
    stmt: Extract<Stmt, { kind: 'for' }>,
    scope: Scope,
    out: Out,
    depth0: number,
    iterable: unknown,
  ): void {
    const source = iterable === null ? this.eval(stmt.iter, scope) : iterable;
    // Each iteration is counted as it runs; making the list is not counted again.
    let items = this.at(stmt.iter, () =>
      source instanceof PyRange ? rangeItems(source) : Array.from(iterate(source)),
    );
    if (stmt.filter !== null) {
      const test = stmt.filter;
      items = items.filter((item) => {
        meter().iterate();
        const inner = new Scope(scope);
        this.assign(stmt.target, item, inner);
        return truthy(this.eval(test, inner));
      });
    }
    if (items.length === 0) {
      this.exec(stmt.otherwise, scope, out);
      return;
    }
    const recurse = stmt.recursive
      ? (children: unknown): string => {
          const buffer = new Out(false);
          this.enter(() => this.execFor(stmt, scope, buffer, depth0 + 1, children));
          return buffer.text();
        }
      : null;
    const loop = new Loop(items, depth0, recurse);
    for (let i = 0; i < items.length; i += 1) {
      meter().iterate();
      loop.index0 = i;
      // Each iteration has its own scope: a `{% set %}` in one is gone in the next, as in Jinja2.
      const inner = new Scope(scope);
      inner.set('loop', loop);
      this.assign(stmt.target, items[i], inner);
      this.exec(stmt.body, inner, out);
    }
  }

  private enter<T>(fn: () => T): T {
    this.depth += 1;
    try {
      if (this.depth > MAX_CALL_DEPTH)
        throw new BudgetExceeded(`template exceeds ${MAX_CALL_DEPTH} nested macro calls or recursive loops`);
      return fn();
    } finally {
      this.depth -= 1;
    }
  }

  private assign(target: Target, value: unknown, scope: Scope): void {
    switch (target.kind) {
      case 'name':
        scope.set(target.name, value);
        return;
      case 'nsref': {
        const ns = scope.lookup(target.name);
        if (!(ns instanceof PyNamespace))
          throw new RenderError('cannot assign attribute on non-namespace object', target.line, target.col);
        ns.attrs.set(target.attr, value);
        return;
      }
      case 'tuple': {
        const items = this.atPos(target.line, target.col, () => toArray(value));
        if (items.length !== target.items.length) {
          const message =
            items.length > target.items.length
              ? `too many values to unpack (expected ${target.items.length})`
              : `not enough values to unpack (expected ${target.items.length}, got ${items.length})`;
          throw new RenderError(message, target.line, target.col);
        }
        target.items.forEach((t, i) => this.assign(t, items[i], scope));
      }
    }
  }

  private macro(def: MacroDef, scope: Scope): PyFunction {
    const takesVarargs = reads(def.body, 'varargs');
    const takesKwargs = reads(def.body, 'kwargs');
    const takesCaller = reads(def.body, 'caller');
    return new PyFunction(
      def.name,
      (args, kwargs) =>
        this.enter(() => {
          const inner = new Scope(scope);
          const rest = new Map(kwargs);
          const caller = rest.get('caller');
          if (caller !== undefined && takesCaller) rest.delete('caller');
          def.params.forEach((p, i) => {
            if (i < args.length) {
              if (rest.has(p.name))
                throw new PyError(`macro '${def.name}' got multiple values for argument '${p.name}'`);
              inner.set(p.name, args[i]);
            } else if (rest.has(p.name)) {
              inner.set(p.name, rest.get(p.name));
              rest.delete(p.name);
            } else {
              const d = def.defaults[i - (def.params.length - def.defaults.length)];
              if (d === undefined) throw new PyError(`name '${p.name}' is not defined`);
              inner.set(p.name, this.eval(d, inner));
            }
          });
          const extra = args.slice(def.params.length);
          if (extra.length > 0 && !takesVarargs)
            throw new PyError(`macro '${def.name}' takes not more than ${def.params.length} argument(s)`);
          if (rest.size > 0 && !takesKwargs)
            throw new PyError(`macro '${def.name}' takes no keyword argument '${[...rest.keys()][0] ?? ''}'`);
          inner.set('varargs', new PyTuple(extra));
          inner.set('kwargs', new PyDict([...rest.entries()]));
          if (takesCaller) {
            if (caller === undefined) throw new PyError("name 'caller' is not defined");
            inner.set('caller', caller);
          }
          const buffer = new Out(false);
          this.exec(def.body, inner, buffer);
          return buffer.text();
        }),
      'Macro',
      new Map<string, unknown>([
        ['name', def.name],
        ['arguments', new PyTuple(def.params.map((p) => p.name))],
        ['catch_kwargs', takesKwargs],
        ['catch_varargs', takesVarargs],
        ['caller', takesCaller],
      ]),
    );
  }

  // ---- expressions

  /** Runs `fn`, placing any error but a positioned one at `node`. */
  private at<T>(node: { line: number; col: number }, fn: () => T): T {
    return this.atPos(node.line, node.col, fn);
  }

  private atPos<T>(line: number, col: number, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof RenderError) throw e;
      if (e instanceof RangeError && /call stack/.test(e.message))
        throw new RenderError(
          `template exceeds ${MAX_CALL_DEPTH} nested macro calls or recursive loops`,
          line,
          col,
        );
      throw new RenderError(e instanceof Error ? e.message : String(e), line, col);
    }
  }

  /** Evaluates `e`; `subject` is the value a filter block or `{% set %}` block filters. */
  eval(e: Expr, scope: Scope, subject?: unknown): unknown {
    meter().step();
    return this.at(e, () => this.evalInner(e, scope, subject));
  }

  private evalInner(e: Expr, scope: Scope, subject: unknown): unknown {
    switch (e.kind) {
      case 'const':
        return e.value;
      case 'name': {
        const v = scope.lookup(e.name);
        if (v === undefined) throw new PyError(`name '${e.name}' is not defined`);
        return v;
      }
      case 'tuple':
        return new PyTuple(e.items.map((x) => this.eval(x, scope)));
      case 'list':
        return e.items.map((x) => this.eval(x, scope));
      case 'dict': {
        const d = new PyDict();
        for (const [k, v] of e.items) d.set(this.eval(k, scope), this.eval(v, scope));
        return d;
      }
      case 'getattr':
        return this.getattr(this.eval(e.target, scope), e.attr);
      case 'getitem':
        return this.getitem(this.eval(e.target, scope), this.eval(e.key, scope));
      case 'slice':
        return new PySlice(
          e.start === null ? null : this.eval(e.start, scope),
          e.stop === null ? null : this.eval(e.stop, scope),
          e.step === null ? null : this.eval(e.step, scope),
        );
      case 'call': {
        const fn = this.eval(e.callee, scope);
        const [args, kwargs] = this.args(e.args, scope);
        return this.call(fn, args, kwargs);
      }
      case 'filter': {
        const value = e.subject === null ? subject : this.eval(e.subject, scope, subject);
        const [args, kwargs] = this.args(e.args, scope);
        return this.filter(e.name, value, args, kwargs);
      }
      case 'test': {
        const value = this.eval(e.subject, scope);
        const [args, kwargs] = this.args(e.args, scope);
        return this.test(e.name, value, args, kwargs);
      }
      case 'binary': {
        const left = this.eval(e.left, scope);
        const right = this.eval(e.right, scope);
        try {
          return pyBinary(e.op, left, right);
        } catch (err) {
          throw withArgHint(err, e.left, left, e.right, right);
        }
      }
      case 'unary': {
        const v = this.eval(e.operand, scope);
        return e.op === 'not' ? !truthy(v) : pyUnary(e.op, v);
      }
      case 'and': {
        const left = this.eval(e.left, scope);
        return truthy(left) ? this.eval(e.right, scope) : left;
      }
      case 'or': {
        const left = this.eval(e.left, scope);
        return truthy(left) ? left : this.eval(e.right, scope);
      }
      case 'concat':
        return concat(e.items.map((x) => this.eval(x, scope)));
      case 'compare': {
        let leftExpr = e.first;
        let left = this.eval(leftExpr, scope);
        for (const { op, expr } of e.ops) {
          const right = this.eval(expr, scope);
          try {
            if (!this.compare(op, left, right)) return false;
          } catch (err) {
            throw withArgHint(err, leftExpr, left, expr, right);
          }
          left = right;
          leftExpr = expr;
        }
        return true;
      }
      case 'condexpr':
        if (truthy(this.eval(e.test, scope))) return this.eval(e.body, scope);
        // Jinja2 gives its plain Undefined here, even under Apsis's raising one.
        if (e.otherwise === null) return PyUndefined.instance;
        return this.eval(e.otherwise, scope);
    }
  }

  private compare(op: string, a: unknown, b: unknown): boolean {
    switch (op) {
      case '==':
        return pyEquals(a, b);
      case '!=':
        return !pyEquals(a, b);
      case 'in':
        return pyContains(b, a);
      case 'not in':
        return !pyContains(b, a);
      case '<':
        return pyOrder(op, a, b) < 0;
      case '<=':
        return pyOrder(op, a, b) <= 0;
      case '>':
        return pyOrder(op, a, b) > 0;
      default:
        return pyOrder(op, a, b) >= 0;
    }
  }

  private args(args: CallArgs, scope: Scope): [unknown[], Map<string, unknown>] {
    const positional = args.positional.map((a) => this.eval(a, scope));
    if (args.star !== null) positional.push(...toArray(this.eval(args.star, scope)));
    const kwargs = new Map<string, unknown>();
    for (const k of args.keywords) kwargs.set(k.name, this.eval(k.value, scope));
    if (args.starstar !== null) {
      const d = this.eval(args.starstar, scope);
      if (!(d instanceof PyDict))
        throw new PyError(`argument after ** must be a mapping, not ${typeName(d)}`);
      for (const [k, v] of d.entries()) {
        if (typeof k !== 'string') throw new PyError('keywords must be strings');
        kwargs.set(k, v);
      }
    }
    return [positional, kwargs];
  }

  // ---- the environment filters and tests see

  getattr(obj: unknown, name: string): unknown {
    if (obj instanceof PyUndefined) throw new PyError(`'${name}' of an undefined value`);
    const v = pyGetAttr(obj, name);
    if (v !== undefined) return v;
    if (obj instanceof PyDict && obj.has(name)) return obj.get(name);
    throw new PyError(`'${typeName(obj)}' object has no attribute '${name}'`);
  }

  getitem(obj: unknown, key: unknown): unknown {
    const v = pyGetItem(obj, key);
    if (v !== undefined) return v;
    if (typeof key === 'string') {
      const attr = pyGetAttr(obj, key);
      if (attr !== undefined) return attr;
      throw new PyError(`'${typeName(obj)}' object has no attribute '${key}'`);
    }
    if (obj instanceof PyDict) throw new PyError(`'${typeName(obj)}' object has no element ${pyStr(key)}`);
    if (asInt(key) !== null && (typeof obj === 'string' || Array.isArray(obj) || obj instanceof PyTuple))
      throw new PyError(`${typeName(obj)} index out of range`);
    throw new PyError(`'${typeName(obj)}' object is not subscriptable or has no element ${pyStr(key)}`);
  }

  call(fn: unknown, args: readonly unknown[], kwargs: Kwargs): unknown {
    if (fn instanceof PyFunction) return fn.call(args, kwargs);
    if (fn instanceof Loop && fn.recurse !== null) {
      if (args.length !== 1 || kwargs.size > 0) throw new PyError('loop() takes exactly one argument');
      return fn.recurse(args[0]);
    }
    throw new PyError(`'${typeName(fn)}' object is not callable`);
  }

  filter(name: string, value: unknown, args: readonly unknown[], kwargs: Kwargs): unknown {
    const fn = this.tables.filters.get(name);
    if (fn === undefined) throw new PyError(`no filter named '${name}'`);
    return fn(this, value, args, kwargs);
  }

  test(name: string, value: unknown, args: readonly unknown[], kwargs: Kwargs): boolean {
    const fn = this.tables.tests.get(name);
    if (fn === undefined) throw new PyError(`no test named '${name}'`);
    return truthy(fn(this, value, args, kwargs));
  }
}
