/**
 * Jinja2 folds constant expressions when it compiles a template and writes the folded value back into
 * its generated Python as `repr(value)`. A float that overflowed (`1e400`, `1e300 * 1e300`) is written
 * as `inf` or `nan`, which Python then reads as an undefined name: Apsis fails such a template with
 * `name 'inf' is not defined`, except where the value is output directly (`{{ 1e400 }}` prints `inf`).
 * We fold the same expressions and put the same name in their place, so the template fails as it does
 * in Apsis instead of rendering differently.
 */
import type { CallArgs, Expr, MacroDef, Stmt } from './ast.js';
import { isList, PyDict, PyTuple } from './py-values.js';

/** Filters that need the render's context, which Jinja2 never folds. */
const CONTEXT_FILTERS = new Set(['map', 'select', 'reject', 'selectattr', 'rejectattr', 'random']);

function constArgs(a: CallArgs): boolean {
  return (
    a.star === null &&
    a.starstar === null &&
    a.positional.every(isConstTree) &&
    a.keywords.every((k) => isConstTree(k.value))
  );
}

/** Whether Jinja2's optimizer would try to fold `e`: no names, no calls, no filters that need the context. */
function isConstTree(e: Expr | null): boolean {
  if (e === null) return true;
  switch (e.kind) {
    case 'const':
      return true;
    case 'name':
    case 'call':
      return false;
    case 'tuple':
    case 'list':
    case 'concat':
      return e.items.every(isConstTree);
    case 'dict':
      return e.items.every(([k, v]) => isConstTree(k) && isConstTree(v));
    case 'getattr':
      return isConstTree(e.target);
    case 'getitem':
      return isConstTree(e.target) && isConstTree(e.key);
    case 'slice':
      return isConstTree(e.start) && isConstTree(e.stop) && isConstTree(e.step);
    case 'filter':
      return !CONTEXT_FILTERS.has(e.name) && isConstTree(e.subject) && constArgs(e.args);
    case 'test':
      return isConstTree(e.subject) && constArgs(e.args);
    case 'binary':
    case 'and':
    case 'or':
      return isConstTree(e.left) && isConstTree(e.right);
    case 'unary':
      return isConstTree(e.operand);
    case 'compare':
      return isConstTree(e.first) && e.ops.every((o) => isConstTree(o.expr));
    case 'condexpr':
      return isConstTree(e.test) && isConstTree(e.body) && isConstTree(e.otherwise);
  }
}

/** The name Python's repr gives the first non-finite float inside a folded value, if any. */
function nonFinite(v: unknown): string | null {
  if (typeof v === 'number') return Number.isFinite(v) ? null : Number.isNaN(v) ? 'nan' : 'inf';
  const items = isList(v)
    ? v
    : v instanceof PyTuple
      ? v.items
      : v instanceof PyDict
        ? v.entries().flat()
        : [];
  for (const item of items) {
    const name = nonFinite(item);
    if (name !== null) return name;
  }
  return null;
}

/** Evaluates a constant expression; undefined when it fails (Jinja2 then leaves it unfolded). */
export type ConstEvaluator = (e: Expr) => { value: unknown } | undefined;

/** Puts Jinja2's `inf`/`nan` names where a folded constant holds a non-finite float (see above). */
export function foldConstants(body: readonly Stmt[], evaluate: ConstEvaluator): Stmt[] {
  const args = (a: CallArgs): CallArgs => ({
    positional: a.positional.map((p) => expr(p)),
    keywords: a.keywords.map((k) => ({ ...k, value: expr(k.value) })),
    star: a.star === null ? null : expr(a.star),
    starstar: a.starstar === null ? null : expr(a.starstar),
  });
  const opt = (e: Expr | null): Expr | null => (e === null ? null : expr(e));

  function expr(e: Expr, outputRoot = false): Expr {
    if (isConstTree(e)) {
      const folded = evaluate(e);
      if (folded !== undefined) {
        const name = outputRoot ? null : nonFinite(folded.value);
        return name === null ? e : { kind: 'name', name, line: e.line, col: e.col };
      }
    }
    switch (e.kind) {
      case 'const':
      case 'name':
        return e;
      case 'tuple':
      case 'list':
      case 'concat':
        return { ...e, items: e.items.map((x) => expr(x)) };
      case 'dict':
        return { ...e, items: e.items.map(([k, v]) => [expr(k), expr(v)] as [Expr, Expr]) };
      case 'getattr':
        return { ...e, target: expr(e.target) };
      case 'getitem':
        return { ...e, target: expr(e.target), key: expr(e.key) };
      case 'slice':
        return { ...e, start: opt(e.start), stop: opt(e.stop), step: opt(e.step) };
      case 'call':
        return { ...e, callee: expr(e.callee), args: args(e.args) };
      case 'filter':
        return { ...e, subject: opt(e.subject), args: args(e.args) };
      case 'test':
        return { ...e, subject: expr(e.subject), args: args(e.args) };
      case 'binary':
      case 'and':
      case 'or':
        return { ...e, left: expr(e.left), right: expr(e.right) };
      case 'unary':
        return { ...e, operand: expr(e.operand) };
      case 'compare':
        return { ...e, first: expr(e.first), ops: e.ops.map((o) => ({ ...o, expr: expr(o.expr) })) };
      case 'condexpr':
        return { ...e, test: expr(e.test), body: expr(e.body), otherwise: opt(e.otherwise) };
    }
  }

  const macro = (m: MacroDef): MacroDef => ({
    ...m,
    defaults: m.defaults.map((d) => expr(d)),
    body: stmts(m.body),
  });

  function stmts(list: readonly Stmt[]): Stmt[] {
    return list.map((s): Stmt => {
      switch (s.kind) {
        case 'data':
        case 'unsupported':
          return s;
        case 'output':
          return { ...s, expr: expr(s.expr, true) };
        case 'if':
          return { ...s, test: expr(s.test), body: stmts(s.body), otherwise: stmts(s.otherwise) };
        case 'for':
          return {
            ...s,
            iter: expr(s.iter),
            filter: opt(s.filter),
            body: stmts(s.body),
            otherwise: stmts(s.otherwise),
          };
        case 'set':
          return { ...s, value: expr(s.value) };
        case 'setblock':
          return { ...s, filter: opt(s.filter), body: stmts(s.body) };
        case 'with':
          return { ...s, values: s.values.map((v) => expr(v)), body: stmts(s.body) };
        case 'macro':
          return { ...s, macro: macro(s.macro) };
        case 'callblock':
          return { ...s, call: expr(s.call), macro: macro(s.macro) };
        case 'filterblock':
          return { ...s, filter: expr(s.filter), body: stmts(s.body) };
      }
    });
  }

  return stmts(body);
}
