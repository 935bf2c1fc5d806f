/**
 * The template parser: Jinja2's grammar, with its precedence (`or` < `and` < `not` < comparisons and `in`
 * < `+ -` < `~` < `* / // %` < `**` < unary < filters, tests and calls), its tuples, slices, keyword
 * arguments and statements. Tags that load other templates are refused: a job template has nothing to load.
 */
import type { Expr, MacroDef, Stmt, Target } from './ast.js';
import { TemplateSyntaxError, tokenize, type Token } from './lexer.js';
import { ExpressionParser } from './parser-expr.js';

/** A construct job templates cannot use, refused when the template is read (SPEC 7). */
export class UnsupportedConstruct extends TemplateSyntaxError {}

const REFUSED_TAGS: Readonly<Record<string, string>> = {
  block: 'block',
  extends: 'extends',
  include: 'include',
  import: 'import',
  from: 'from ... import',
  autoescape: 'autoescape',
};

class Parser extends ExpressionParser {
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
}

/** Deepest nesting of expressions and statements (Jinja2's own compiler gives up with RecursionError sooner). */
export const MAX_NESTING = 200;

/** The depth of the deepest node, walked without recursion so that no depth can overflow the stack. */
function depthOf(body: readonly Stmt[]): number {
  let max = 0;
  const stack: [unknown, number][] = [[body, 0]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [value, depth] = top;
    if (Array.isArray(value)) {
      for (const item of value) stack.push([item, depth]);
    } else if (typeof value === 'object' && value !== null) {
      const d = 'kind' in value ? depth + 1 : depth;
      if (d > max) max = d;
      if (max > MAX_NESTING) return max;
      for (const child of Object.values(value)) if (typeof child === 'object') stack.push([child, d]);
    }
  }
  return max;
}

/**
 * Longest template source: reading one is linear but not free, and no job template comes near this
 * (it keeps reading a template well under SPEC 7's 100 ms).
 */
export const MAX_SOURCE_LENGTH = 256 * 1024;

/** Parses a template source; throws TemplateSyntaxError (UnsupportedConstruct for refused tags). */
export function parseTemplate(source: string): Stmt[] {
  if (source.length > MAX_SOURCE_LENGTH)
    throw new TemplateSyntaxError(
      `the template is ${source.length.toLocaleString('en-US')} characters long; at most ${MAX_SOURCE_LENGTH.toLocaleString('en-US')} are read`,
      1,
      1,
    );
  const body = new Parser(tokenize(source)).parseTemplate();
  if (depthOf(body) > MAX_NESTING)
    throw new TemplateSyntaxError(`the template nests more than ${MAX_NESTING} levels deep`, 1, 1);
  return body;
}
