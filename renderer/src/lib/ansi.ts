/**
 * Output text with ANSI SGR colour codes turned into styled segments. Rendered as text nodes only, never as
 * HTML, so program output cannot inject markup (STYLE.md section 3).
 */

export interface Segment {
  text: string;
  /** CSS class names such as `fg-1 bold`, empty when plain. */
  classes: string;
}

// eslint-disable-next-line no-control-regex -- ANSI escape sequences start with the ESC control character
const ESCAPE = /\x1b\[([0-9;]*)([A-Za-z])/g;

/** Splits `text` into segments, applying SGR codes (colours 30-37, 90-97, bold, reset); other escapes vanish. */
export function parseAnsi(text: string): Segment[] {
  const out: Segment[] = [];
  let fg: number | null = null;
  let bold = false;
  let last = 0;
  const classes = (): string =>
    [fg === null ? '' : `fg-${fg}`, bold ? 'bold' : ''].filter((c) => c !== '').join(' ');
  for (const m of text.matchAll(ESCAPE)) {
    if (m.index > last) out.push({ text: text.slice(last, m.index), classes: classes() });
    last = m.index + m[0].length;
    if (m[2] !== 'm') continue;
    const codes = (m[1] ?? '').split(';').map((c) => (c === '' ? 0 : Number(c)));
    for (const c of codes) {
      if (c === 0) {
        fg = null;
        bold = false;
      } else if (c === 1) bold = true;
      else if (c === 22) bold = false;
      else if (c >= 30 && c <= 37) fg = c - 30;
      else if (c >= 90 && c <= 97) fg = c - 90 + 8;
      else if (c === 39) fg = null;
    }
  }
  if (last < text.length) out.push({ text: text.slice(last), classes: classes() });
  // Merge neighbours with the same classes, so plain output stays one text node.
  const merged: Segment[] = [];
  for (const s of out) {
    const prev = merged[merged.length - 1];
    if (prev !== undefined && prev.classes === s.classes) prev.text += s.text;
    else merged.push({ ...s });
  }
  return merged;
}
