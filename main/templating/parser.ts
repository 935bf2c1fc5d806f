/**
 * The template parser: Jinja2's grammar, with its precedence (`or` < `and` < `not` < comparisons and `in`
 * < `+ -` < `~` < `* / // %` < `**` < unary < filters, tests and calls), its tuples, slices, keyword
 * arguments and statements. Tags that load other templates are refused: a job template has nothing to load.
 */
import type { CallArgs, Expr, MacroDef, Stmt, Target } from './ast.js';
import { TemplateSyntaxError, tokenize, type Token } from './lexer.js';

/** A construct job templates cannot use, refused when the template is read (SPEC 7). */
export class UnsupportedConstruct extends TemplateSyntaxError {}

const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const REFUSED_TAGS: Readonly<Record<string, string>> = {
  block: 'block',
  extends: 'extends',
  include: 'include',
  import: 'import',
  from: 'from ... import',
  autoescape: 'autoescape',
};

/** The position where an expression's source begins (its leftmost operand); `t` when unknown. */
function startOf(e: Expr, t: Token): { line: number; col: number } {
  switch (e.kind) {
    case 'binary':
    case 'and':
    case 'or':
      return startOf(e.left, t);
    case 'compare':
      return startOf(e.first, t);
    case 'concat':
      return e.items[0] === undefined ? { line: t.line, col: t.col } : startOf(e.items[0], t);
    case 'getattr':
    case 'getitem':
      return startOf(e.target, t);
    case 'call':
      return startOf(e.callee, t);
    case 'filter':
    case 'test':
      return e.subject === null ? { line: e.line, col: e.col } : startOf(e.subject, t);
    case 'condexpr':
      return startOf(e.body, t);
    default:
      return { line: e.line, col: e.col };
  }
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  private get current(): Token {
    return this.tokens[this.i] ?? (this.tokens[this.tokens.length - 1] as Token);
  }
  private look(n = 1): Token {
    return this.tokens[this.i + n] ?? (this.tokens[this.tokens.length - 1] as Token);
  }
  private next(): Token {
    const t = this.current;
    if (t.type !== 'eof') this.i += 1;
    return t;
  }
  private fail(message: string, at: Token = this.current): never {
    throw new TemplateSyntaxError(message, at.line, at.col);
  }
  private is(type: Token['type'], value?: string): boolean {
    const t = this.current;
    return t.type === type && (value === undefined || t.value === value);
  }
  private isOp(op: string): boolean {
    return this.is('operator', op);
  }
  private isName(name: string): boolean {
    return this.is('name', name);
  }
  private skipOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.next();
    return true;
  }
  private skipName(name: string): boolean {
    if (!this.isName(name)) return false;
    this.next();
    return true;
  }
  private describe(t: Token): string {
    if (t.type === 'eof') return 'end of template';
    if (t.type === 'block_end') return 'end of statement block';
    if (t.type === 'variable_end') return 'end of print statement';
    return `'${String(t.value)}'`;
  }
  private expectOp(op: string): Token {
    if (!this.isOp(op)) this.fail(`expected '${op}', got ${this.describe(this.current)}`);
    return this.next();
  }
  private expectName(): Token & { value: string } {
    const t = this.current;
    if (t.type !== 'name') this.fail(`expected a name, got ${this.describe(t)}`);
    this.next();
    return t as Token & { value: string };
  }
  private expect(type: Token['type']): Token {
    if (!this.is(type)) {
      const wanted = type === 'block_end' ? "'%}'" : type === 'variable_end' ? "'}}'" : type;
      this.fail(`expected ${wanted}, got ${this.describe(this.current)}`);
    }
    return this.next();
  }

  // ---- templates and statements

  parseTemplate(): Stmt[] {
    const body = this.subparse([]);
    if (!this.is('eof')) this.fail(`unexpected ${this.describe(this.current)}`);
    return body;
  }

  /** Statements up to a block tag named in `ends` (left current) or the end of the template. */
  private subparse(ends: readonly string[]): Stmt[] {
    const body: Stmt[] = [];
    for (;;) {
      const t = this.current;
      if (t.type === 'eof') {
        if (ends.length > 0) this.fail(`unexpected end of template, expected '${ends.join("' or '")}'`);
        return body;
      }
      if (t.type === 'data') {
        this.next();
        body.push({ kind: 'data', text: String(t.value), line: t.line, col: t.col });
      } else if (t.type === 'variable_begin') {
        this.next();
        const expr = this.parseTuple({ condExpr: true });
        this.expect('variable_end');
        body.push({ kind: 'output', expr, line: t.line, col: t.col });
      } else if (t.type === 'block_begin') {
        this.next();
        const tag = this.current;
        if (tag.type === 'name' && ends.includes(String(tag.value))) return body;
        body.push(...this.parseStatement());
      } else this.fail(`unexpected ${this.describe(t)}`);
    }
  }

  /** The body of a block statement: `%}`, statements, and the end tag (consumed when `drop`). */
  private parseBody(ends: readonly string[], drop = true): Stmt[] {
    this.skipOp(':');
    this.expect('block_end');
    const body = this.subparse(ends);
    if (drop) this.next();
    return body;
  }

  private endBlock(): void {
    this.expect('block_end');
  }

  private parseStatement(): Stmt[] {
    const tag = this.current;
    if (tag.type !== 'name') this.fail('tag name expected', tag);
    const name = String(tag.value);
    const refused = REFUSED_TAGS[name];
    if (refused !== undefined)
      throw new UnsupportedConstruct(`{% ${refused} %} is not supported in job templates`, tag.line, tag.col);
    this.next();
    switch (name) {
      case 'for':
        return [this.parseFor(tag)];
      case 'if':
        return [this.parseIf(tag)];
      case 'set':
        return [this.parseSet(tag)];
      case 'with':
        return [this.parseWith(tag)];
      case 'macro':
        return [this.parseMacro(tag)];
      case 'call':
        return [this.parseCallBlock(tag)];
      case 'filter': {
        const filter = this.parseFilter(null, true);
        const body = this.parseBody(['endfilter']);
        this.endBlock();
        return [{ kind: 'filterblock', filter, body, line: tag.line, col: tag.col }];
      }
      case 'print': {
        const out: Stmt[] = [];
        while (!this.is('block_end')) {
          if (out.length > 0) this.expectOp(',');
          out.push({ kind: 'output', expr: this.parseExpression(), line: tag.line, col: tag.col });
        }
        this.endBlock();
        return out;
      }
      default:
        return this.fail(`Encountered unknown tag '${name}'.`, tag);
    }
  }

  private parseFor(tag: Token): Stmt {
    const target = this.parseAssignTarget(['in']);
    if (!this.skipName('in')) this.fail(`expected 'in', got ${this.describe(this.current)}`);
    const iter = this.parseTuple({ condExpr: false, extraEnds: ['recursive'] });
    const filter = this.skipName('if') ? this.parseExpression() : null;
    const recursive = this.skipName('recursive');
    const body = this.parseBody(['endfor', 'else'], false);
    const otherwise = String(this.next().value) === 'endfor' ? [] : this.parseBody(['endfor']);
    this.endBlock();
    return { kind: 'for', target, iter, filter, recursive, body, otherwise, line: tag.line, col: tag.col };
  }

  private parseIf(tag: Token): Stmt {
    const test = this.parseTuple({ condExpr: false });
    const body = this.parseBody(['elif', 'else', 'endif'], false);
    const end = String(this.next().value);
    let otherwise: Stmt[] = [];
    if (end === 'elif') otherwise = [this.parseIf(this.tokens[this.i - 1] as Token)];
    else if (end === 'else') {
      otherwise = this.parseBody(['endif']);
      this.endBlock();
    } else this.endBlock();
    return { kind: 'if', test, body, otherwise, line: tag.line, col: tag.col };
  }

  private parseSet(tag: Token): Stmt {
    const target = this.parseAssignTarget([], true);
    if (this.skipOp('=')) {
      const value = this.parseTuple({ condExpr: true });
      this.endBlock();
      return { kind: 'set', target, value, line: tag.line, col: tag.col };
    }
    const filter = this.isOp('|') ? this.parseFilter(null) : null;
    const body = this.parseBody(['endset']);
    this.endBlock();
    return { kind: 'setblock', target, filter, body, line: tag.line, col: tag.col };
  }

  private parseWith(tag: Token): Stmt {
    const targets: Target[] = [];
    const values: Expr[] = [];
    while (!this.is('block_end')) {
      if (targets.length > 0) this.expectOp(',');
      targets.push(this.parseAssignTarget([]));
      this.expectOp('=');
      values.push(this.parseExpression());
    }
    const body = this.parseBody(['endwith']);
    this.endBlock();
    return { kind: 'with', targets, values, body, line: tag.line, col: tag.col };
  }

  private parseSignature(name: string): Omit<MacroDef, 'body'> {
    const params: MacroDef['params'] = [];
    const defaults: Expr[] = [];
    this.expectOp('(');
    while (!this.isOp(')')) {
      if (params.length > 0) this.expectOp(',');
      const p = this.expectName();
      if (this.skipOp('=')) defaults.push(this.parseExpression());
      else if (defaults.length > 0) this.fail('non-default argument follows default argument', p);
      params.push({ name: p.value, line: p.line, col: p.col });
    }
    this.expectOp(')');
    return { name, params, defaults };
  }

  private parseMacro(tag: Token): Stmt {
    const name = this.expectName().value;
    const signature = this.parseSignature(name);
    const body = this.parseBody(['endmacro']);
    this.endBlock();
    return { kind: 'macro', macro: { ...signature, body }, line: tag.line, col: tag.col };
  }

  private parseCallBlock(tag: Token): Stmt {
    const signature = this.isOp('(')
      ? this.parseSignature('caller')
      : { name: 'caller', params: [], defaults: [] };
    const call = this.parseExpression();
    if (call.kind !== 'call') this.fail('expected call', tag);
    const body = this.parseBody(['endcall']);
    this.endBlock();
    return { kind: 'callblock', call, macro: { ...signature, body }, line: tag.line, col: tag.col };
  }

  private parseAssignTarget(extraEnds: readonly string[], withNamespace = false): Target {
    const t = this.current;
    if (withNamespace && t.type === 'name' && this.look().type === 'operator' && this.look().value === '.') {
      this.next();
      this.next();
      const attr = this.expectName();
      return { kind: 'nsref', name: String(t.value), attr: attr.value, line: t.line, col: t.col };
    }
    const expr = this.parseTuple({ simplified: true, extraEnds });
    const toTarget = (e: Expr): Target => {
      if (e.kind === 'name') return e;
      if (e.kind === 'tuple')
        return { kind: 'tuple', items: e.items.map(toTarget), line: e.line, col: e.col };
      return this.fail(`can't assign to ${e.kind === 'const' ? 'a literal' : `'${e.kind}'`}`, t);
    };
    return toTarget(expr);
  }

  // ---- expressions

  parseExpression(condExpr = true): Expr {
    return condExpr ? this.parseCondExpr() : this.parseOr();
  }

  private parseCondExpr(): Expr {
    let expr = this.parseOr();
    while (this.isName('if')) {
      const t = this.next();
      const test = this.parseOr();
      const otherwise = this.skipName('else') ? this.parseCondExpr() : null;
      expr = { kind: 'condexpr', test, body: expr, otherwise, line: t.line, col: t.col };
    }
    return expr;
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.isName('or')) {
      const t = this.next();
      left = { kind: 'or', left, right: this.parseAnd(), line: t.line, col: t.col };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.isName('and')) {
      const t = this.next();
      left = { kind: 'and', left, right: this.parseNot(), line: t.line, col: t.col };
    }
    return left;
  }

  private parseNot(): Expr {
    if (this.isName('not')) {
      const t = this.next();
      return { kind: 'unary', op: 'not', operand: this.parseNot(), line: t.line, col: t.col };
    }
    return this.parseCompare();
  }

  private parseCompare(): Expr {
    const first = this.parseMath1();
    const ops: { op: string; expr: Expr }[] = [];
    for (;;) {
      const t = this.current;
      if (t.type === 'operator' && COMPARE_OPS.has(String(t.value))) {
        this.next();
        ops.push({ op: String(t.value), expr: this.parseMath1() });
      } else if (this.skipName('in')) ops.push({ op: 'in', expr: this.parseMath1() });
      else if (this.isName('not') && this.look().type === 'name' && this.look().value === 'in') {
        this.next();
        this.next();
        ops.push({ op: 'not in', expr: this.parseMath1() });
      } else break;
    }
    if (ops.length === 0) return first;
    return { kind: 'compare', first, ops, ...startOf(first, this.current) };
  }

  private parseMath1(): Expr {
    let left = this.parseConcat();
    while (this.isOp('+') || this.isOp('-')) {
      const t = this.next();
      left = { kind: 'binary', op: String(t.value), left, right: this.parseConcat(), ...startOf(left, t) };
    }
    return left;
  }

  private parseConcat(): Expr {
    const items = [this.parseMath2()];
    while (this.skipOp('~')) items.push(this.parseMath2());
    const first = items[0] as Expr;
    return items.length === 1 ? first : { kind: 'concat', items, line: first.line, col: first.col };
  }

  private parseMath2(): Expr {
    let left = this.parsePow();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const t = this.next();
      left = { kind: 'binary', op: String(t.value), left, right: this.parsePow(), ...startOf(left, t) };
    }
    return left;
  }

  private parsePow(): Expr {
    let left = this.parseUnary();
    while (this.isOp('**')) {
      const t = this.next();
      left = { kind: 'binary', op: '**', left, right: this.parseUnary(), ...startOf(left, t) };
    }
    return left;
  }

  private parseUnary(withFilter = true): Expr {
    const t = this.current;
    let node: Expr;
    if (this.isOp('-') || this.isOp('+')) {
      this.next();
      node = {
        kind: 'unary',
        op: t.value === '-' ? '-' : '+',
        operand: this.parseUnary(false),
        line: t.line,
        col: t.col,
      };
    } else node = this.parsePostfix(this.parsePrimary());
    return withFilter ? this.parseFilterExpr(node) : node;
  }

  private parsePrimary(): Expr {
    const t = this.current;
    const at = { line: t.line, col: t.col };
    if (t.type === 'name') {
      this.next();
      const name = String(t.value);
      if (name === 'true' || name === 'True') return { kind: 'const', value: true, ...at };
      if (name === 'false' || name === 'False') return { kind: 'const', value: false, ...at };
      if (name === 'none' || name === 'None') return { kind: 'const', value: null, ...at };
      return { kind: 'name', name, ...at };
    }
    if (t.type === 'string') {
      let value = '';
      while (this.is('string')) value += String(this.next().value);
      return { kind: 'const', value, ...at };
    }
    if (t.type === 'integer' || t.type === 'float') {
      this.next();
      return { kind: 'const', value: t.value, ...at };
    }
    if (this.skipOp('(')) {
      const node = this.parseTuple({ condExpr: true, explicitParens: true });
      this.expectOp(')');
      return node;
    }
    if (this.skipOp('[')) {
      const items: Expr[] = [];
      while (!this.isOp(']')) {
        if (items.length > 0) this.expectOp(',');
        if (this.isOp(']')) break;
        items.push(this.parseExpression());
      }
      this.expectOp(']');
      return { kind: 'list', items, ...at };
    }
    if (this.skipOp('{')) {
      const items: [Expr, Expr][] = [];
      while (!this.isOp('}')) {
        if (items.length > 0) this.expectOp(',');
        if (this.isOp('}')) break;
        const key = this.parseExpression();
        this.expectOp(':');
        items.push([key, this.parseExpression()]);
      }
      this.expectOp('}');
      return { kind: 'dict', items, ...at };
    }
    return this.fail(`unexpected ${this.describe(t)}`);
  }

  private parseTuple(opts: {
    simplified?: boolean;
    condExpr?: boolean;
    extraEnds?: readonly string[];
    explicitParens?: boolean;
  }): Expr {
    const start = this.current;
    const parse = (): Expr =>
      opts.simplified === true ? this.parsePrimary() : this.parseExpression(opts.condExpr !== false);
    const items: Expr[] = [];
    let isTuple = false;
    for (;;) {
      if (items.length > 0) this.expectOp(',');
      const t = this.current;
      const end =
        t.type === 'variable_end' ||
        t.type === 'block_end' ||
        (t.type === 'operator' && t.value === ')') ||
        (t.type === 'name' && (opts.extraEnds ?? []).includes(String(t.value)));
      if (end) break;
      items.push(parse());
      if (this.isOp(',')) isTuple = true;
      else break;
    }
    if (!isTuple) {
      const first = items[0];
      if (first !== undefined) return first;
      if (opts.explicitParens !== true)
        this.fail(`Expected an expression, got ${this.describe(this.current)}`);
    }
    return { kind: 'tuple', items, line: start.line, col: start.col };
  }

  private parsePostfix(node: Expr): Expr {
    for (;;) {
      if (this.isOp('.') || this.isOp('[')) node = this.parseSubscript(node);
      else if (this.isOp('(')) node = this.parseCall(node);
      else return node;
    }
  }

  private parseFilterExpr(node: Expr): Expr {
    for (;;) {
      if (this.isOp('|')) node = this.parseFilter(node);
      else if (this.isName('is')) node = this.parseTest(node);
      else if (this.isOp('(')) node = this.parseCall(node);
      else return node;
    }
  }

  private parseSubscript(node: Expr): Expr {
    const t = this.next();
    if (t.value === '.') {
      const attr = this.current;
      this.next();
      if (attr.type === 'name')
        return { kind: 'getattr', target: node, attr: String(attr.value), line: attr.line, col: attr.col };
      if (attr.type !== 'integer') this.fail('expected name or number', attr);
      return {
        kind: 'getitem',
        target: node,
        key: { kind: 'const', value: attr.value, line: attr.line, col: attr.col },
        line: attr.line,
        col: attr.col,
      };
    }
    const args: Expr[] = [];
    while (!this.isOp(']')) {
      if (args.length > 0) this.expectOp(',');
      args.push(this.parseSubscribed());
    }
    this.expectOp(']');
    const key: Expr =
      args.length === 1 ? (args[0] as Expr) : { kind: 'tuple', items: args, line: t.line, col: t.col };
    // A subscript reports at its key.
    return { kind: 'getitem', target: node, key, ...startOf(key, t) };
  }

  private parseSubscribed(): Expr {
    const t = this.current;
    const parts: (Expr | null)[] = [];
    if (this.skipOp(':')) parts.push(null);
    else {
      const node = this.parseExpression();
      if (!this.skipOp(':')) return node;
      parts.push(node);
    }
    const atEnd = (): boolean => this.isOp(']') || this.isOp(',');
    if (this.isOp(':')) parts.push(null);
    else parts.push(atEnd() ? null : this.parseExpression());
    if (this.skipOp(':')) parts.push(atEnd() ? null : this.parseExpression());
    else parts.push(null);
    return {
      kind: 'slice',
      start: parts[0] ?? null,
      stop: parts[1] ?? null,
      step: parts[2] ?? null,
      line: t.line,
      col: t.col,
    };
  }

  private parseCallArgs(): CallArgs {
    const open = this.expectOp('(');
    const args: CallArgs = { positional: [], keywords: [], star: null, starstar: null };
    let star: Expr | null = null;
    let starstar: Expr | null = null;
    let first = true;
    while (!this.isOp(')')) {
      if (!first) {
        this.expectOp(',');
        if (this.isOp(')')) break;
      }
      first = false;
      if (this.skipOp('*')) {
        if (star !== null || starstar !== null)
          this.fail('invalid syntax for function call expression', open);
        star = this.parseExpression();
      } else if (this.skipOp('**')) {
        if (starstar !== null) this.fail('invalid syntax for function call expression', open);
        starstar = this.parseExpression();
      } else if (this.is('name') && this.look().type === 'operator' && this.look().value === '=') {
        if (starstar !== null) this.fail('invalid syntax for function call expression', open);
        const key = this.next();
        this.next();
        args.keywords.push({
          name: String(key.value),
          value: this.parseExpression(),
          line: key.line,
          col: key.col,
        });
      } else {
        if (star !== null || starstar !== null || args.keywords.length > 0)
          this.fail('invalid syntax for function call expression', open);
        args.positional.push(this.parseExpression());
      }
    }
    this.expectOp(')');
    return { ...args, star, starstar };
  }

  private parseCall(node: Expr): Expr {
    // A call reports at its callee (a method call at the method name).
    return { kind: 'call', callee: node, args: this.parseCallArgs(), line: node.line, col: node.col };
  }

  private dottedName(): Token & { value: string } {
    const first = this.expectName();
    let name = first.value;
    while (this.isOp('.')) {
      this.next();
      name += `.${this.expectName().value}`;
    }
    return { ...first, value: name };
  }

  private parseFilter(node: Expr | null, startInline = false): Expr {
    let subject = node;
    let inline = startInline;
    while (this.isOp('|') || inline) {
      if (!inline) this.next();
      inline = false;
      const name = this.dottedName();
      const args = this.isOp('(')
        ? this.parseCallArgs()
        : { positional: [], keywords: [], star: null, starstar: null };
      subject = { kind: 'filter', name: name.value, subject, args, line: name.line, col: name.col };
    }
    if (subject === null) return this.fail('expected a filter');
    return subject;
  }

  private parseTest(node: Expr): Expr {
    this.next();
    const negated = this.skipName('not');
    const name = this.dottedName();
    let args: CallArgs = { positional: [], keywords: [], star: null, starstar: null };
    const t = this.current;
    if (this.isOp('(')) args = this.parseCallArgs();
    else if (
      ['name', 'string', 'integer', 'float'].includes(t.type) ||
      (t.type === 'operator' && ['(', '[', '{'].includes(String(t.value)))
    ) {
      if (!(t.type === 'name' && ['else', 'or', 'and'].includes(String(t.value)))) {
        if (t.type === 'name' && t.value === 'is') this.fail('You cannot chain multiple tests with is');
        args = { ...args, positional: [this.parsePostfix(this.parsePrimary())] };
      }
    }
    const test: Expr = {
      kind: 'test',
      name: name.value,
      subject: node,
      args,
      line: name.line,
      col: name.col,
    };
    return negated ? { kind: 'unary', op: 'not', operand: test, line: name.line, col: name.col } : test;
  }
}

/** Parses a template source; throws TemplateSyntaxError (UnsupportedConstruct for refused tags). */
export function parseTemplate(source: string): Stmt[] {
  return new Parser(tokenize(source)).parseTemplate();
}
