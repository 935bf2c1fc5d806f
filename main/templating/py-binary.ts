/**
 * Binary operators as templates use them: Python's arithmetic (py-ops.ts), plus what builds on string
 * formatting: `str % args` (printf style) and Markup's escaping `+` and `%`.
 */
import { percentFormat } from './py-format.js';
import { operandError, pyArith } from './py-ops.js';
import { PyMarkup, PyTuple } from './py-values.js';

/** HTML escaping as Markup does it. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&#34;')
    .replace(/'/g, '&#39;');
}

/** Markup's operators: the plain-string side is escaped (`+`), or each argument (`%`). */
function markupArith(op: string, a: unknown, b: unknown): unknown {
  const text = (v: unknown): unknown =>
    v instanceof PyMarkup ? v.text : typeof v === 'string' ? escapeHtml(v) : v;
  if (
    op === '+' &&
    (typeof a === 'string' || a instanceof PyMarkup) &&
    (typeof b === 'string' || b instanceof PyMarkup)
  )
    return new PyMarkup(pyArith('+', text(a), text(b)) as string);
  if (op === '*' && a instanceof PyMarkup) return new PyMarkup(pyArith('*', a.text, b) as string);
  if (op === '*' && b instanceof PyMarkup) return new PyMarkup(pyArith('*', a, b.text) as string);
  if (op === '%' && a instanceof PyMarkup) {
    const esc = (v: unknown): unknown =>
      v instanceof PyMarkup ? v.text : typeof v === 'string' ? escapeHtml(v) : v;
    const args = b instanceof PyTuple ? new PyTuple(b.items.map(esc)) : esc(b);
    return new PyMarkup(percentFormat(a.text, args));
  }
  throw operandError(op, a, b);
}

/** Python's `a op b` for `+ - * / // % **`, `%` formatting strings. */
export function pyBinary(op: string, a: unknown, b: unknown): unknown {
  if (a instanceof PyMarkup || b instanceof PyMarkup) return markupArith(op, a, b);
  if (op === '%' && typeof a === 'string') return percentFormat(a, b);
  return pyArith(op, a, b);
}
