/**
 * A typed view of the nunjucks internals templating builds on: the parser, its AST nodes, the code
 * generator (`compiler.Compiler`) and templates built from generated code. None of these are in
 * @types/nunjucks. nunjucks 3.2.4 is the final release, so this surface does not move; the tests pin
 * the behaviour we rely on.
 */
import nunjucks from 'nunjucks';

/** An AST node. Fields hold child nodes, node arrays or plain values (names, operator strings). */
export interface TemplateNode {
  /** Node type name: `Symbol`, `Output`, `FunCall`, ... */
  readonly typename: string;
  /** 0-based line of the node in the source. */
  readonly lineno: number;
  /** 0-based column of the node in its line. */
  readonly colno: number;
  /** Names of the node's fields, in source order (`children` for node lists). */
  readonly fields: readonly string[];
  readonly [field: string]: unknown;
}

/** The compile-time scope: names bound to JavaScript variables (loop variables, macro arguments). */
export interface CompileFrame {
  lookup(name: string): string | null | undefined;
}

/** The members of nunjucks's code generator that our strict compiler calls or overrides. */
export interface CompilerInstance {
  /** Name of the JavaScript variable collecting output at this point of the generated code. */
  buffer: string | null;
  compile(node: TemplateNode, frame?: CompileFrame): void;
  getCode(): string;
  _emit(code: string): void;
  _compileExpression(node: TemplateNode, frame: CompileFrame): void;
  _compileAggregate(node: TemplateNode, frame: CompileFrame, startChar?: string, endChar?: string): void;
  compileLiteral(node: TemplateNode, frame: CompileFrame): void;
  compileSymbol(node: TemplateNode, frame: CompileFrame): void;
  compileLookupVal(node: TemplateNode, frame: CompileFrame): void;
  compileFunCall(node: TemplateNode, frame: CompileFrame): void;
  compileFilter(node: TemplateNode, frame: CompileFrame): void;
  compileIs(node: TemplateNode, frame: CompileFrame): void;
  compileCompare(node: TemplateNode, frame: CompileFrame): void;
  compileOutput(node: TemplateNode, frame: CompileFrame): void;
  compileConcat(node: TemplateNode, frame: CompileFrame): void;
  compileAdd(node: TemplateNode, frame: CompileFrame): void;
  compileSub(node: TemplateNode, frame: CompileFrame): void;
  compileMul(node: TemplateNode, frame: CompileFrame): void;
  compileDiv(node: TemplateNode, frame: CompileFrame): void;
  compileFloorDiv(node: TemplateNode, frame: CompileFrame): void;
  compileMod(node: TemplateNode, frame: CompileFrame): void;
  compilePow(node: TemplateNode, frame: CompileFrame): void;
  compileNeg(node: TemplateNode, frame: CompileFrame): void;
  compilePos(node: TemplateNode, frame: CompileFrame): void;
}

/** The functions generated code defines: `root` and one `b_<name>` per block. */
export type CompiledProps = object;

/** The run-time context of one render (`context` in generated code). */
export interface RenderContext {
  /** The render's variables plus top-level `{% set %}` assignments. */
  readonly ctx: Record<string, unknown>;
}

/** The run-time scope chain (`frame` in generated code). */
export interface RenderFrame {
  lookup(name: string): unknown;
}

interface Internals {
  parser: {
    parse(src: string, extensions: readonly unknown[], opts: object): TemplateNode;
  };
  nodes: {
    Node: abstract new (...args: never[]) => TemplateNode;
  };
  compiler: {
    Compiler: new (templateName: string | undefined, throwOnUndefined: boolean) => CompilerInstance;
  };
  Template: new (
    src: { type: 'code'; obj: CompiledProps },
    env: nunjucks.Environment,
    path: undefined,
    eagerCompile: boolean,
  ) => nunjucks.Template;
}

// The one cast in templating: these members exist at run time (see nunjucks/index.js) but no
// published declaration describes them.
const internals = nunjucks as unknown as Internals;

/**
 * nunjucks's parser with default delimiters and whitespace handling: source → AST. Throws an error
 * with a 1-based `lineno`/`colno` (when known) on bad syntax.
 */
export function parseTemplate(src: string): TemplateNode {
  return internals.parser.parse(src, [], {});
}

/** nunjucks's code generator, for subclassing. */
export const CompilerBase = internals.compiler.Compiler;

/** True when `value` is an AST node. */
export function isNode(value: unknown): value is TemplateNode {
  return value instanceof internals.nodes.Node;
}

/** The node in `field` of `node`; a missing one means nunjucks produced an AST we do not understand. */
export function childNode(node: TemplateNode, field: string): TemplateNode {
  const value = node[field];
  if (!isNode(value)) throw new Error(`malformed ${node.typename} node: no ${field}`);
  return value;
}

/** The child nodes of a node list, or of an array field. */
export function childNodes(node: TemplateNode, field = 'children'): TemplateNode[] {
  const value = node[field];
  return Array.isArray(value) ? value.filter(isNode) : [];
}

/** A template whose code was generated by us rather than by nunjucks's own compile step. */
export function templateFromCode(props: CompiledProps, env: nunjucks.Environment): nunjucks.Template {
  return new internals.Template({ type: 'code', obj: props }, env, undefined, true);
}
