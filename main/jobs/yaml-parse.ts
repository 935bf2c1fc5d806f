/**
 * Reading a job file's text into YAML documents, with its nesting bounded before anything recurses over it.
 *
 * The `yaml` library's lexer and parser keep their own stacks, but its composer (text → nodes) recurses once per
 * level, and so does every walk over the nodes after it. Fed a file nested some hundreds of levels deep, the
 * composer reaches V8's stack limit, catches the RangeError in the deepest frame that has a `try`, and goes on
 * composing right there at the edge of the stack: when that work compiles a regular expression (its line-folding
 * one, `/(.*?)\r?\n/sy`, when V8 tiers it up to native code), the RegExp compiler has no stack left and V8 aborts
 * the process (`FATAL ERROR: RegExpCompiler Allocation failed - process out of memory`, exit 134); when it does
 * not, the error text ("Maximum call stack size exceeded") becomes a problem at a column that depends on how
 * much of the stack the JIT's frames took. So the depth is measured here on the parser's own stack, token by
 * token, and a file deeper than MAX_NESTING never reaches the composer.
 */
import { Composer, Lexer, LineCounter, Parser, type CST, type Document } from 'yaml';
import { indexDocument } from './yaml-index.js';

/** Most levels of collections (mappings, lists) one job file may nest; the API takes ad hoc jobs as deep. */
export const MAX_NESTING = 64;

const COMPOSE_OPTIONS = {
  // Duplicate keys are found by our own walk (yaml-index.ts): the library's check is quadratic in a mapping's size.
  uniqueKeys: false,
  version: '1.2',
  schema: 'core',
  strict: true,
} as const;

export interface YamlText {
  /** The documents of the file; empty when it is empty or too deep. */
  docs: Document.Parsed[];
  /** Source offset of the first collection nested deeper than MAX_NESTING, or null. */
  tooDeepAt: number | null;
}

function isCollection(token: CST.Token): boolean {
  return token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection';
}

/** The offset of the collection at depth MAX_NESTING + 1 on the parser's stack, if there is one. */
function tooDeep(stack: readonly CST.Token[]): number | null {
  let depth = 0;
  for (const token of stack)
    if (isCollection(token)) {
      depth += 1;
      if (depth > MAX_NESTING) return token.offset;
    }
  return null;
}

/** Parses `source` (its lines recorded in `lineCounter`), or stops at the first level past MAX_NESTING. */
export function parseYaml(source: string, lineCounter: LineCounter): YamlText {
  // The library makes an Error object for each problem it finds, and capturing each one's stack trace is most
  // of the time it takes to read a file full of faults (1 MiB of bad lines: about 25 s with traces, 5 s
  // without). Nobody reads those traces, and nothing else runs while this synchronous function does.
  const traceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const parser = new Parser(lineCounter.addNewLine);
    lineCounter.addNewLine(0);
    const tokens: CST.Token[] = [];
    for (const lexeme of new Lexer().lex(source)) {
      for (const token of parser.next(lexeme)) tokens.push(token);
      // The stack holds the document, the open collections and at most a scalar or two besides.
      if (parser.stack.length > MAX_NESTING) {
        const at = tooDeep(parser.stack);
        if (at !== null) return { docs: [], tooDeepAt: at };
      }
    }
    for (const token of parser.end()) tokens.push(token);
    return { docs: [...new Composer(COMPOSE_OPTIONS).compose(tokens)], tooDeepAt: null };
  } finally {
    Error.stackTraceLimit = traceLimit;
  }
}

/**
 * The plain value of a YAML text of one document (a settings file), read with the same bounds as job files: or a
 * message `line L, column C: ...` for the first thing wrong. Aliases may stand for at most 100 values (the YAML
 * library's own alias guard).
 */
export function readYamlValue(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const lineCounter = new LineCounter();
  const at = (offset: number): string => {
    const { line, col } = lineCounter.linePos(Math.max(0, offset));
    return line === 0 ? 'line 1, column 1' : `line ${line}, column ${col}`;
  };
  const { docs, tooDeepAt } = parseYaml(text, lineCounter);
  if (tooDeepAt !== null)
    return { ok: false, message: `${at(tooDeepAt)}: nested deeper than ${MAX_NESTING} levels` };
  const first = docs[0];
  if (first === undefined) return { ok: true, value: null };
  const error = first.errors[0];
  if (error !== undefined)
    return { ok: false, message: `${at(error.pos[0])}: ${error.message.split('\n')[0] ?? ''}` };
  if (docs.length > 1)
    return {
      ok: false,
      message: `${at(docs[1]?.range[0] ?? 0)}: one YAML document expected; remove the extra \`---\``,
    };
  const duplicate = indexDocument(first).duplicateKeys[0];
  if (duplicate !== undefined)
    return {
      ok: false,
      message: `${at(duplicate.range?.[0] ?? 0)}: duplicate key; each key may appear once`,
    };
  try {
    return { ok: true, value: first.toJS({ maxAliasCount: 100 }) };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}
