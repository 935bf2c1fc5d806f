/**
 * Static check of a parsed template, as `apsis check` runs it: names nothing defines, unknown filters and
 * tests, and constructs refused because they cannot render as Apsis renders them (SPEC 7). Scoping is
 * Jinja2's: `{% set %}` binds from that point on; `for`, macros, `call` and `with` open their own scope.
 */
import type { CallArgs, Expr, MacroDef, Stmt, Target } from './ast.js';

/** A problem found by the check, at a 1-based position. */
export interface Finding {
  message: string;
  line: number;
  col: number;
}

/** What the template may use besides the names it binds itself. */
export interface Vocabulary {
  isDefined(name: string): boolean;
  /** Undefined for a known filter, else the reason it is refused (or unknown). */
  filterProblem(name: string): string | undefined;
  testProblem(name: string): string | undefined;
  /** The reason a global is refused, when it is. */
  refusedName(name: string): string | undefined;
  /** The reason an attribute is refused, when it is. */
  refusedAttr(name: string): string | undefined;
}

class Scope {
  private readonly names = new Set<string>();
  constructor(private readonly parent: Scope | null) {}
  bind(name: string): void {
    this.names.add(name);
  }
  has(name: string): boolean {
    return this.names.has(name) || (this.parent?.has(name) ?? false);
  }
}

/** Findings in source order; each message reported once, where it first occurs. */
export function checkTemplateAst(body: readonly Stmt[], vocabulary: Vocabulary): Finding[] {
  const findings: Finding[] = [];
  const report = (at: { line: number; col: number }, message: string): void => {
    findings.push({ message, line: at.line, col: at.col });
  };

  const bind = (t: Target, scope: Scope): void => {
    if (t.kind === 'name') scope.bind(t.name);
    else if (t.kind === 'tuple') for (const item of t.items) bind(item, scope);
    else expr({ kind: 'name', name: t.name, line: t.line, col: t.col }, scope);
  };

  const args = (a: CallArgs, scope: Scope): void => {
    for (const p of a.positional) expr(p, scope);
    for (const k of a.keywords) expr(k.value, scope);
    if (a.star !== null) expr(a.star, scope);
    if (a.starstar !== null) expr(a.starstar, scope);
  };

  function expr(e: Expr | null, scope: Scope): void {
    if (e === null) return;
    switch (e.kind) {
      case 'const':
        return;
      case 'name': {
        const refused = vocabulary.refusedName(e.name);
        if (!scope.has(e.name) && refused !== undefined)
          report(e, `${e.name}() is not supported in job templates: ${refused}`);
        else if (!scope.has(e.name) && !vocabulary.isDefined(e.name))
          report(e, `name '${e.name}' is not defined`);
        return;
      }
      case 'tuple':
      case 'list':
      case 'concat':
        for (const item of e.items) expr(item, scope);
        return;
      case 'dict':
        for (const [k, v] of e.items) {
          expr(k, scope);
          expr(v, scope);
        }
        return;
      case 'getattr': {
        expr(e.target, scope);
        const refused = vocabulary.refusedAttr(e.attr);
        if (refused !== undefined) report(e, `.${e.attr} is not supported in job templates: ${refused}`);
        return;
      }
      case 'getitem':
        expr(e.target, scope);
        expr(e.key, scope);
        return;
      case 'slice':
        expr(e.start, scope);
        expr(e.stop, scope);
        expr(e.step, scope);
        return;
      case 'call':
        expr(e.callee, scope);
        args(e.args, scope);
        return;
      case 'filter': {
        expr(e.subject, scope);
        const problem = vocabulary.filterProblem(e.name);
        if (problem !== undefined) report(e, problem);
        args(e.args, scope);
        return;
      }
      case 'test': {
        expr(e.subject, scope);
        const problem = vocabulary.testProblem(e.name);
        if (problem !== undefined) report(e, problem);
        args(e.args, scope);
        return;
      }
      case 'binary':
      case 'and':
      case 'or':
        expr(e.left, scope);
        expr(e.right, scope);
        return;
      case 'unary':
        expr(e.operand, scope);
        return;
      case 'compare':
        expr(e.first, scope);
        for (const op of e.ops) expr(op.expr, scope);
        return;
      case 'condexpr':
        expr(e.test, scope);
        expr(e.body, scope);
        expr(e.otherwise, scope);
        return;
    }
  }

  const macro = (def: MacroDef, scope: Scope): void => {
    const inner = new Scope(scope);
    for (const name of ['varargs', 'kwargs', 'caller']) inner.bind(name);
    def.params.forEach((p, i) => {
      const d = def.defaults[i - (def.params.length - def.defaults.length)];
      if (d !== undefined) expr(d, inner);
      inner.bind(p.name);
    });
    stmts(def.body, inner);
  };

  function stmts(body: readonly Stmt[], scope: Scope): void {
    for (const s of body) {
      switch (s.kind) {
        case 'data':
          break;
        case 'output':
          expr(s.expr, scope);
          break;
        case 'if':
          expr(s.test, scope);
          stmts(s.body, scope);
          stmts(s.otherwise, scope);
          break;
        case 'for': {
          expr(s.iter, scope);
          const inner = new Scope(scope);
          inner.bind('loop');
          bind(s.target, inner);
          expr(s.filter, inner);
          stmts(s.body, inner);
          stmts(s.otherwise, scope);
          break;
        }
        case 'set':
          expr(s.value, scope);
          bind(s.target, scope);
          break;
        case 'setblock':
          stmts(s.body, new Scope(scope));
          expr(s.filter, scope);
          bind(s.target, scope);
          break;
        case 'with': {
          const inner = new Scope(scope);
          s.values.forEach((v) => expr(v, scope));
          s.targets.forEach((t) => bind(t, inner));
          stmts(s.body, inner);
          break;
        }
        case 'macro':
          scope.bind(s.macro.name);
          macro(s.macro, scope);
          break;
        case 'callblock':
          expr(s.call, scope);
          macro(s.macro, scope);
          break;
        case 'filterblock':
          expr(s.filter, scope);
          stmts(s.body, new Scope(scope));
          break;
        case 'unsupported':
          report(s, `${s.what} is not supported in job templates`);
          break;
      }
    }
  }

  stmts(body, new Scope(null));
  findings.sort((a, b) => a.line - b.line || a.col - b.col);
  const seen = new Set<string>();
  return findings.filter((f) => !seen.has(f.message) && (seen.add(f.message), true));
}
