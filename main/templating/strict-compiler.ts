/**
 * The compile-time half of strict templating: nunjucks's code generator with every expression that can
 * go wrong routed through the `env.strict` hooks (strict-runtime.ts). Plain nunjucks renders an undefined
 * name as '' and compiles `+`, `==`, `<` to JavaScript operators (`'3' + 2` is `'32'`, `'3' == 3` holds);
 * Jinja, which SPEC 7 follows, raises or compares without coercion.
 */
import {
  childNode as child,
  childNodes,
  CompilerBase,
  type CompileFrame,
  type TemplateNode,
} from './nunjucks-internals.js';
import { sourceText, start } from './node-text.js';

/** Jinja's capitalised constants, as JavaScript; nunjucks only knows the lower-case ones. */
const CONSTANTS: Readonly<Record<string, string>> = { True: 'true', False: 'false', None: 'null' };

/** Names that are constants rather than variables (`True`, `False`, `None`). */
export const JINJA_CONSTANTS: ReadonlySet<string> = new Set(Object.keys(CONSTANTS));

/** 1-based "line, col" of a node, as literal code. */
function where(node: TemplateNode): string {
  return `${node.lineno + 1}, ${node.colno + 1}`;
}

const js = (value: unknown): string => JSON.stringify(value) ?? 'null';

/** nunjucks's Compiler with strict names, attributes, calls, filters, tests, operators and Python-style output. */
export class StrictCompiler extends CompilerBase {
  override compileSymbol(node: TemplateNode, frame: CompileFrame): void {
    const name = String(node['value']);
    const id = frame.lookup(name);
    if (id) this._emit(`env.strict.bound(${id}, ${js(name)}, ${where(node)})`);
    else if (Object.hasOwn(CONSTANTS, name)) this._emit(CONSTANTS[name] ?? 'null');
    else this._emit(`env.strict.lookup(context, frame, ${js(name)}, ${where(node)})`);
  }

  override compileLookupVal(node: TemplateNode, frame: CompileFrame): void {
    const key = child(node, 'val');
    this._emit('env.strict.member(');
    this._compileExpression(child(node, 'target'), frame);
    this._emit(', ');
    this._compileExpression(key, frame);
    this._emit(`, ${where(key)})`);
  }

  override compileFunCall(node: TemplateNode, frame: CompileFrame): void {
    const callee = child(node, 'name');
    // A method call reports at the method name, a plain call at the callee.
    const place = callee.typename === 'LookupVal' ? child(callee, 'val') : callee;
    this._emit('env.strict.call(context, ');
    this._compileExpression(callee, frame);
    this._emit(', ');
    this._compileAggregate(child(node, 'args'), frame, '[', ']');
    this._emit(`, ${where(place)})`);
  }

  override compileFilter(node: TemplateNode, frame: CompileFrame): void {
    const name = child(node, 'name');
    this._emit(`env.strict.filter(context, ${js(String(name['value']))}, `);
    this._compileAggregate(child(node, 'args'), frame, '[', ']');
    this._emit(`, ${where(name)})`);
  }

  override compileIs(node: TemplateNode, frame: CompileFrame): void {
    const test = child(node, 'right');
    const called = test.typename === 'FunCall';
    const name = called ? child(test, 'name') : test;
    this._emit(`env.strict.test(context, ${js(String(name['value']))}, [`);
    this.compile(child(node, 'left'), frame);
    const args = called ? child(test, 'args') : null;
    if (args !== null && childNodes(args).length > 0) {
      this._emit(', ');
      this._compileAggregate(args, frame);
    }
    this._emit(`], ${where(name)})`);
  }

  override compileCompare(node: TemplateNode, frame: CompileFrame): void {
    const first = child(node, 'expr');
    const ops = childNodes(node, 'ops');
    this._emit('env.strict.compare([');
    this.compile(first, frame);
    for (const op of ops) {
      this._emit(', ');
      this.compile(child(op, 'expr'), frame);
    }
    const texts = [first, ...ops.map((op) => child(op, 'expr'))].map(sourceText);
    this._emit(`], ${js(ops.map((op) => String(op['type'])))}, ${js(texts)}, ${where(start(first))})`);
  }

  override compileOutput(node: TemplateNode, frame: CompileFrame): void {
    const buffer = this.buffer ?? 'output';
    for (const item of childNodes(node)) {
      if (item.typename === 'TemplateData') {
        if (item['value'] === '') continue;
        this._emit(`${buffer} += `);
        this.compileLiteral(item, frame);
        this._emit(';\n');
      } else {
        this._emit(`${buffer} += env.strict.display(`);
        this.compile(item, frame);
        this._emit(');\n');
      }
    }
  }

  override compileConcat(node: TemplateNode, frame: CompileFrame): void {
    this._emit('(env.strict.display(');
    this.compile(child(node, 'left'), frame);
    this._emit(') + env.strict.display(');
    this.compile(child(node, 'right'), frame);
    this._emit('))');
  }

  override compileAdd(node: TemplateNode, frame: CompileFrame): void {
    this.arith('+', node, frame);
  }
  override compileSub(node: TemplateNode, frame: CompileFrame): void {
    this.arith('-', node, frame);
  }
  override compileMul(node: TemplateNode, frame: CompileFrame): void {
    this.arith('*', node, frame);
  }
  override compileDiv(node: TemplateNode, frame: CompileFrame): void {
    this.arith('/', node, frame);
  }
  override compileFloorDiv(node: TemplateNode, frame: CompileFrame): void {
    this.arith('//', node, frame);
  }
  override compileMod(node: TemplateNode, frame: CompileFrame): void {
    this.arith('%', node, frame);
  }
  override compilePow(node: TemplateNode, frame: CompileFrame): void {
    this.arith('**', node, frame);
  }
  override compileNeg(node: TemplateNode, frame: CompileFrame): void {
    this.unary('-', node, frame);
  }
  override compilePos(node: TemplateNode, frame: CompileFrame): void {
    this.unary('+', node, frame);
  }

  private arith(op: string, node: TemplateNode, frame: CompileFrame): void {
    const left = child(node, 'left');
    const right = child(node, 'right');
    this._emit(`env.strict.arith(${js(op)}, `);
    this.compile(left, frame);
    this._emit(', ');
    this.compile(right, frame);
    this._emit(`, ${where(start(left))}, ${js({ left: sourceText(left), right: sourceText(right) })})`);
  }

  private unary(op: string, node: TemplateNode, frame: CompileFrame): void {
    const target = child(node, 'target');
    this._emit(`env.strict.unary(${js(op)}, `);
    this.compile(target, frame);
    this._emit(`, ${where(node)}, ${js(sourceText(target))})`);
  }
}
