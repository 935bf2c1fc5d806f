/**
 * The run-time half of strict templating: the functions our generated code calls (`env.strict.*`, see
 * strict-compiler.ts) for name lookup, attribute access, calls, filters, tests, operators and output.
 * Each takes the 1-based source position of its node, so an error names the place in the template.
 */
import type { RenderContext, RenderFrame } from './nunjucks-internals.js';
import { pyArith, pyCompare, pyGetItem, pyUnary, type OperandText } from './python-ops.js';
import { pyStr, typeName } from './python-values.js';
import { ExpressionError } from './values.js';

/** An error raised while rendering, with its position in the template source. */
export class RenderFailure extends Error {
  override readonly name = 'RenderFailure';
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message);
  }
}

/** Where the runtime finds globals, filters and tests (the template environment). */
export interface FunctionTables {
  readonly globals: Readonly<Record<string, unknown>>;
  readonly filters: Readonly<Record<string, unknown>>;
  readonly tests: Readonly<Record<string, unknown>>;
}

/** Runs `fn`, turning anything it throws into a RenderFailure at (line, col); inner failures keep their place. */
function at<T>(line: number, col: number, fn: () => T, prefix = ''): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RenderFailure) throw e;
    const message = e instanceof Error ? e.message : String(e);
    throw new RenderFailure(`${prefix}${message}`, line, col);
  }
}

function invoke(fn: unknown, self: unknown, args: readonly unknown[]): unknown {
  if (typeof fn !== 'function') throw new ExpressionError(`'${typeName(fn)}' object is not callable`);
  const result: unknown = Reflect.apply(fn, self, args);
  return result;
}

/** The hooks generated code calls, bound to one environment's function tables. */
export function createStrictRuntime(tables: FunctionTables) {
  const own = (table: Readonly<Record<string, unknown>>, name: string): unknown =>
    Object.hasOwn(table, name) ? table[name] : undefined;
  return {
    /** A free name: the render's frame (set/for), then its variables, then globals; else the Jinja error. */
    lookup(context: RenderContext, frame: RenderFrame, name: string, line: number, col: number): unknown {
      const local = frame.lookup(name);
      if (local !== undefined) return local;
      if (Object.hasOwn(context.ctx, name)) return context.ctx[name];
      const global = own(tables.globals, name);
      if (global !== undefined) return global;
      throw new RenderFailure(`name '${name}' is not defined`, line, col);
    },
    /** A name bound at compile time (loop variable, macro argument); a macro argument not passed is undefined. */
    bound(value: unknown, name: string, line: number, col: number): unknown {
      if (value === undefined) throw new RenderFailure(`name '${name}' is not defined`, line, col);
      return value;
    },
    member(target: unknown, key: unknown, line: number, col: number): unknown {
      return at(line, col, () => pyGetItem(target, key));
    },
    call(context: RenderContext, fn: unknown, args: unknown[], line: number, col: number): unknown {
      return at(line, col, () => invoke(fn, context, args));
    },
    filter(context: RenderContext, name: string, args: unknown[], line: number, col: number): unknown {
      const fn = own(tables.filters, name);
      if (fn === undefined) throw new RenderFailure(`no filter named '${name}'`, line, col);
      return at(line, col, () => invoke(fn, context, args), `filter '${name}': `);
    },
    test(context: RenderContext, name: string, args: unknown[], line: number, col: number): boolean {
      const fn = own(tables.tests, name);
      if (fn === undefined) throw new RenderFailure(`no test named '${name}'`, line, col);
      return at(line, col, () => invoke(fn, context, args), `test '${name}': `) === true;
    },
    arith(op: string, a: unknown, b: unknown, line: number, col: number, text: OperandText): unknown {
      return at(line, col, () => pyArith(op, a, b, text));
    },
    unary(op: string, value: unknown, line: number, col: number, text: string | null): number {
      return at(line, col, () => pyUnary(op, value, text));
    },
    /** A comparison chain `a < b <= c`: every link must hold, as in Python. */
    compare(
      operands: unknown[],
      ops: string[],
      texts: (string | null)[],
      line: number,
      col: number,
    ): boolean {
      return at(line, col, () =>
        ops.every((op, i) =>
          pyCompare(op, operands[i], operands[i + 1], {
            left: texts[i] ?? null,
            right: texts[i + 1] ?? null,
          }),
        ),
      );
    },
    display(value: unknown): string {
      return pyStr(value);
    },
  };
}
