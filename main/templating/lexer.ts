/**
 * The template lexer: Jinja2's token rules with its default delimiters and settings as Apsis uses them
 * (no line statements, no trim_blocks or lstrip_blocks, one trailing newline dropped, `\r\n` and `\r`
 * read as `\n`). Inside tags it gives names, Python string and number literals and operators.
 */

export type TokenType =
  | 'data'
  | 'variable_begin'
  | 'variable_end'
  | 'block_begin'
  | 'block_end'
  | 'name'
  | 'string'
  | 'integer'
  | 'float'
  | 'operator'
  | 'eof';

export interface Token {
  readonly type: TokenType;
  /** The text for data, names and operators; the decoded value for strings; bigint/number for numbers. */
  readonly value: string | bigint | number;
  /** 1-based line and column in the template source. */
  readonly line: number;
  readonly col: number;
}

/** A syntax error at a 1-based position. */
export class TemplateSyntaxError extends Error {
  override readonly name = 'TemplateSyntaxError';
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message);
  }
}

/** Python's whitespace (`str.isspace`), which Jinja2's `-` whitespace control strips. */
export const PY_SPACE =
  '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const SPACE_RUN = new RegExp(`[${PY_SPACE}]*`, 'y');
const TRAILING_SPACE = new RegExp(`[${PY_SPACE}]+$`);

const OPERATORS = [
  '//',
  '**',
  '==',
  '!=',
  '>=',
  '<=',
  '+',
  '-',
  '/',
  '*',
  '%',
  '~',
  '[',
  ']',
  '(',
  ')',
  '{',
  '}',
  '>',
  '<',
  '=',
  '.',
  ':',
  '|',
  ',',
  ';',
];

const FLOAT = /(?<!\.)(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?[eE][+-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)/y;
const INTEGER = /0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0[xX](?:_?[\da-fA-F])+|[1-9](?:_?\d)*|0(?:_?0)*/y;
const NAME = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/uy;
const STRING = /'([^'\\]*(?:\\[\s\S][^'\\]*)*)'|"([^"\\]*(?:\\[\s\S][^"\\]*)*)"/y;
const WHITESPACE = new RegExp(`[${PY_SPACE}]+`, 'y');
/** The next tag opening in data: `{{`, `{%`, `{#`, with an optional `-`/`+` modifier. */
const TAG_OPEN = /\{([{%#])([-+]?)/g;
const RAW_BEGIN = new RegExp(`\\{%([-+]?)[${PY_SPACE}]*raw[${PY_SPACE}]*(-?)%\\}`, 'y');
const RAW_END = new RegExp(`\\{%([-+]?)[${PY_SPACE}]*endraw[${PY_SPACE}]*(-?)%\\}`, 'g');

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\n': '',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
};

/** Python's `unicode-escape` decoding of a string literal's body, as Jinja2 applies it. */
function unescape(body: string, line: number, col: number): string {
  let out = '';
  for (let i = 0; i < body.length; i += 1) {
    const c = body.charAt(i);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = body.charAt(i + 1);
    if (next === '') throw new TemplateSyntaxError('\\ at end of string', line, col);
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) {
      out += simple;
      i += 1;
      continue;
    }
    const octal = /^[0-7]{1,3}/.exec(body.slice(i + 1, i + 4));
    if (octal !== null) {
      out += String.fromCodePoint(parseInt(octal[0], 8));
      i += octal[0].length;
      continue;
    }
    const width = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
    if (width > 0) {
      const hex = body.slice(i + 2, i + 2 + width);
      if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex))
        throw new TemplateSyntaxError(`truncated \\${next} escape in a string`, line, col);
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) throw new TemplateSyntaxError('illegal Unicode character in a string', line, col);
      out += String.fromCodePoint(code);
      i += 1 + width;
      continue;
    }
    if (next === 'N') throw new TemplateSyntaxError('\\N{...} escapes are not supported', line, col);
    // Python keeps an unknown escape as written.
    out += c;
  }
  return out;
}

/** Splits a template source into tokens; throws TemplateSyntaxError. */
export function tokenize(input: string): Token[] {
  const lines = input.split(/\r\n|\r|\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const source = lines.join('\n');
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  let lineStart = 0;
  const advance = (to: number): void => {
    for (let i = pos; i < to; i += 1) {
      if (source.charCodeAt(i) === 10) {
        line += 1;
        lineStart = i + 1;
      }
    }
    pos = to;
  };
  const colAt = (p: number): number => p - lineStart + 1;
  const push = (type: TokenType, value: string | bigint | number, at: number): void => {
    tokens.push({ type, value, line, col: colAt(at) });
  };
  const fail = (message: string, at: number): never => {
    const before = source.slice(0, at);
    const l = before.split('\n').length;
    throw new TemplateSyntaxError(message, l, at - before.lastIndexOf('\n'));
  };
  const pushData = (text: string, strip: boolean): void => {
    const data = strip ? text.replace(TRAILING_SPACE, '') : text;
    if (data !== '') push('data', data, pos);
  };
  let stripNext = false;
  while (pos < source.length) {
    if (stripNext) {
      SPACE_RUN.lastIndex = pos;
      advance(pos + (SPACE_RUN.exec(source)?.[0].length ?? 0));
      stripNext = false;
      if (pos >= source.length) break;
    }
    TAG_OPEN.lastIndex = pos;
    const open = TAG_OPEN.exec(source);
    if (open === null) {
      pushData(source.slice(pos), false);
      advance(source.length);
      break;
    }
    const [kind, modifier] = [open[1], open[2]];
    RAW_BEGIN.lastIndex = open.index;
    const raw = kind === '%' ? RAW_BEGIN.exec(source) : null;
    pushData(source.slice(pos, open.index), (raw?.[1] ?? modifier) === '-');
    advance(open.index);
    if (raw !== null) {
      const bodyStart = open.index + raw[0].length;
      RAW_END.lastIndex = bodyStart;
      const end = RAW_END.exec(source);
      if (end === null) fail('Missing end of raw directive', open.index);
      const endMatch = end as RegExpExecArray;
      let body = source.slice(bodyStart, endMatch.index);
      if (raw[2] === '-') body = body.replace(new RegExp(`^[${PY_SPACE}]+`), '');
      advance(bodyStart);
      pushData(body, endMatch[1] === '-');
      advance(endMatch.index + endMatch[0].length);
      stripNext = endMatch[2] === '-';
      continue;
    }
    if (kind === '#') {
      const close = /([-+]?)#\}/g;
      close.lastIndex = open.index + 2 + (modifier?.length ?? 0);
      const m = close.exec(source);
      if (m === null) return fail('Missing end of comment tag', open.index);
      advance(m.index + m[0].length);
      stripNext = m[1] === '-';
      continue;
    }
    const isVariable = kind === '{';
    push(isVariable ? 'variable_begin' : 'block_begin', isVariable ? '{{' : '{%', open.index);
    advance(open.index + 2 + (modifier?.length ?? 0));
    const endText = isVariable ? '}}' : '%}';
    const balance: string[] = [];
    for (;;) {
      if (pos >= source.length) fail(`unexpected end of template, expected '${endText}'`, pos);
      if (balance.length === 0) {
        if (source.startsWith(`-${endText}`, pos)) {
          push(isVariable ? 'variable_end' : 'block_end', endText, pos);
          advance(pos + 3);
          stripNext = true;
          break;
        }
        if (source.startsWith(endText, pos) || (!isVariable && source.startsWith(`+${endText}`, pos))) {
          push(isVariable ? 'variable_end' : 'block_end', endText, pos);
          advance(pos + (source.charAt(pos) === '+' ? 3 : 2));
          break;
        }
      }
      WHITESPACE.lastIndex = pos;
      const ws = WHITESPACE.exec(source);
      if (ws !== null) {
        advance(pos + ws[0].length);
        continue;
      }
      FLOAT.lastIndex = pos;
      const float = FLOAT.exec(source);
      if (float !== null) {
        push('float', Number(float[0].replace(/_/g, '')), pos);
        advance(pos + float[0].length);
        continue;
      }
      INTEGER.lastIndex = pos;
      const integer = INTEGER.exec(source);
      if (integer !== null) {
        const text = integer[0].replace(/_/g, '').toLowerCase();
        push('integer', BigInt(/^0[box]/.test(text) ? text : text.replace(/^0+(?=\d)/, '')), pos);
        advance(pos + integer[0].length);
        continue;
      }
      NAME.lastIndex = pos;
      const name = NAME.exec(source);
      if (name !== null) {
        push('name', name[0], pos);
        advance(pos + name[0].length);
        continue;
      }
      STRING.lastIndex = pos;
      const string = STRING.exec(source);
      if (string !== null) {
        push('string', unescape(string[1] ?? string[2] ?? '', line, colAt(pos)), pos);
        advance(pos + string[0].length);
        continue;
      }
      const op = OPERATORS.find((o) => source.startsWith(o, pos));
      if (op === undefined) return fail(`unexpected char '${source.charAt(pos)}'`, pos);
      if (op === '(' || op === '[' || op === '{') balance.push(op === '(' ? ')' : op === '[' ? ']' : '}');
      else if (op === ')' || op === ']' || op === '}') {
        const expected = balance.pop();
        if (expected === undefined) fail(`unexpected '${op}'`, pos);
        if (expected !== op) fail(`unexpected '${op}', expected '${expected}'`, pos);
      }
      push('operator', op, pos);
      advance(pos + op.length);
    }
  }
  tokens.push({ type: 'eof', value: '', line, col: colAt(pos) });
  return tokens;
}
