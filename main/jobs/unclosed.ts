/**
 * The YAML parser reports an unclosed `[`, `{` or quote where it noticed the problem (often the next line);
 * an editor should underline the opening character instead (reference bad/yaml-syntax.yaml: 1:9).
 */

/** Characters after which a quote opens a quoted scalar (whitespace and flow or block indicators). */
const TOKEN_BOUNDARY = new Set([' ', '\t', '\n', '\r', '[', '{', ',', ':', '-']);

/** Offset of the outermost unclosed flow bracket or open quote before `end`, or null. */
export function unclosedOpener(source: string, end: number): number | null {
  const stack: number[] = [];
  let quote: { char: string; at: number } | null = null;
  let lineStart = true;
  for (let i = 0; i < end && i < source.length; i += 1) {
    const c = source[i] as string;
    if (quote !== null) {
      if (quote.char === '"' && c === '\\') i += 1;
      else if (c === quote.char) {
        if (quote.char === "'" && source[i + 1] === "'") i += 1;
        else quote = null;
      }
      continue;
    }
    const prev = i === 0 ? '\n' : (source[i - 1] as string);
    if (c === '#' && (prev === ' ' || prev === '\t' || prev === '\n')) {
      const nl = source.indexOf('\n', i);
      i = nl === -1 ? source.length : nl - 1;
      continue;
    }
    const atTokenStart = lineStart || TOKEN_BOUNDARY.has(prev);
    if ((c === '"' || c === "'") && atTokenStart) quote = { char: c, at: i };
    else if (c === '[' || c === '{') stack.push(i);
    else if ((c === ']' || c === '}') && stack.length > 0) stack.pop();
    lineStart = c === '\n' || (lineStart && (c === ' ' || c === '\t'));
  }
  if (quote !== null) return quote.at;
  return stack[0] ?? null;
}
