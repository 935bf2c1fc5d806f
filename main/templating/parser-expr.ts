/**
 * Jinja2's expression grammar, with its precedence: `or` < `and` < `not` < comparisons and `in` < `+ -`
 * < `~` < `* / // %` < `**` < unary < filters, tests and calls; tuples, slices and keyword arguments.
 */
import type { CallArgs, Expr } from './ast.js';
import { TemplateSyntaxError, type Token } from './lexer.js';

const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);

/** The position where an expression's source begins (its leftmost operand); `t` when unknown. */
function startOf(e: Expr, t: Token): { line: number; col: number } {
  switch (e.kind) {
    // These are made at their leftmost operand's start already: no walk down a long chain (`1 + 1 + ...`).
    case 'binary':
    case 'compare':
    case 'concat':
      return { line: e.line, col: e.col };
    case 'and':
    case 'or':
      return startOf(e.left, t);
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

export class ExpressionParser {
  protected i = 0;
  constructor(protected readonly tokens: readonly Token[]) {}

  protected get current(): Token {
    return this.tokens[this.i] ?? (this.tokens[this.tokens.length - 1] as Token);
  }
  protected look(n = 1): Token {
    return this.tokens[this.i + n] ?? (this.tokens[this.tokens.length - 1] as Token);
  }
  protected next(): Token {
    const t = this.current;
    if (t.type !== 'eof') this.i += 1;
    return t;
  }
  protected fail(message: string, at: Token = this.current): never {
    throw new TemplateSyntaxError(message, at.line, at.col);
  }
  protected is(type: Token['type'], value?: string): boolean {
    const t = this.current;
    return t.type === type && (value === undefined || t.value === value);
  }
  protected isOp(op: string): boolean {
    return this.is('operator', op);
  }
  protected isName(name: string): boolean {
    return this.is('name', name);
  }
  protected skipOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.next();
    return true;
  }
  protected skipName(name: string): boolean {
    if (!this.isName(name)) return false;
    this.next();
    return true;
  }
  protected describe(t: Token): string {
    if (t.type === 'eof') return 'end of template';
    if (t.type === 'block_end') return 'end of statement block';
    if (t.type === 'variable_end') return 'end of print statement';
    return `'${String(t.value)}'`;
  }
  protected expectOp(op: string): Token {
    if (!this.isOp(op)) this.fail(`expected '${op}', got ${this.describe(this.current)}`);
    return this.next();
  }
  protected expectName(): Token & { value: string } {
    const t = this.current;
    if (t.type !== 'name') this.fail(`expected a name, got ${this.describe(t)}`);
    this.next();
    return t as Token & { value: string };
  }
  protected expect(type: Token['type']): Token {
    if (!this.is(type)) {
      const wanted = type === 'block_end' ? "'%}'" : type === 'variable_end' ? "'}}'" : type;
      this.fail(`expected ${wanted}, got ${this.describe(this.current)}`);
    }
    return this.next();
  }

  // ---- expressions

  parseExpression(condExpr = true): Expr {
    return condExpr ? this.parseCondExpr() : this.parseOr();
  }

  protected parseCondExpr(): Expr {
    let expr = this.parseOr();
    while (this.isName('if')) {
      const t = this.next();
      const test = this.parseOr();
      const otherwise = this.skipName('else') ? this.parseCondExpr() : null;
      expr = { kind: 'condexpr', test, body: expr, otherwise, line: t.line, col: t.col };
    }
    return expr;
  }

  protected parseOr(): Expr {
    let left = this.parseAnd();
    while (this.isName('or')) {
      const t = this.next();
      left = { kind: 'or', left, right: this.parseAnd(), line: t.line, col: t.col };
    }
    return left;
  }

  protected parseAnd(): Expr {
    let left = this.parseNot();
    while (this.isName('and')) {
      const t = this.next();
      left = { kind: 'and', left, right: this.parseNot(), line: t.line, col: t.col };
    }
    return left;
  }

  protected parseNot(): Expr {
    if (this.isName('not')) {
      const t = this.next();
      return { kind: 'unary', op: 'not', operand: this.parseNot(), line: t.line, col: t.col };
    }
    return this.parseCompare();
  }

  protected parseCompare(): Expr {
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

  protected parseMath1(): Expr {
    let left = this.parseConcat();
    while (this.isOp('+') || this.isOp('-')) {
      const t = this.next();
      left = { kind: 'binary', op: String(t.value), left, right: this.parseConcat(), ...startOf(left, t) };
    }
    return left;
  }

  protected parseConcat(): Expr {
    const items = [this.parseMath2()];
    while (this.skipOp('~')) items.push(this.parseMath2());
    const first = items[0] as Expr;
    return items.length === 1 ? first : { kind: 'concat', items, line: first.line, col: first.col };
  }

  protected parseMath2(): Expr {
    let left = this.parsePow();
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const t = this.next();
      left = { kind: 'binary', op: String(t.value), left, right: this.parsePow(), ...startOf(left, t) };
    }
    return left;
  }

  protected parsePow(): Expr {
    let left = this.parseUnary();
    while (this.isOp('**')) {
      const t = this.next();
      left = { kind: 'binary', op: '**', left, right: this.parseUnary(), ...startOf(left, t) };
    }
    return left;
  }

  protected parseUnary(withFilter = true): Expr {
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

  protected parsePrimary(): Expr {
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

  protected parseTuple(opts: {
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

  protected parsePostfix(node: Expr): Expr {
    for (;;) {
      if (this.isOp('.') || this.isOp('[')) node = this.parseSubscript(node);
      else if (this.isOp('(')) node = this.parseCall(node);
      else return node;
    }
  }

  protected parseFilterExpr(node: Expr): Expr {
    for (;;) {
      if (this.isOp('|')) node = this.parseFilter(node);
      else if (this.isName('is')) node = this.parseTest(node);
      else if (this.isOp('(')) node = this.parseCall(node);
      else return node;
    }
  }

  protected parseSubscript(node: Expr): Expr {
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

  protected parseSubscribed(): Expr {
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

  protected parseCallArgs(): CallArgs {
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

  protected parseCall(node: Expr): Expr {
    // A call reports at its callee (a method call at the method name).
    return { kind: 'call', callee: node, args: this.parseCallArgs(), line: node.line, col: node.col };
  }

  protected dottedName(): Token & { value: string } {
    const first = this.expectName();
    let name = first.value;
    while (this.isOp('.')) {
      this.next();
      name += `.${this.expectName().value}`;
    }
    return { ...first, value: name };
  }

  protected parseFilter(node: Expr | null, startInline = false): Expr {
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

  protected parseTest(node: Expr): Expr {
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
