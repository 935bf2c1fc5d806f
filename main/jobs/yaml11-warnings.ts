/**
 * Apsis reads job files as YAML 1.1; we read YAML 1.2 (SPEC D36). Where the two disagree about a plain
 * scalar, `apsis check` warns, so an Apsis folder migrates knowingly.
 */
import { isScalar, visit } from 'yaml';
import type { Problem } from '../../shared/model/problem.js';
import type { FileContext } from './yaml-reader.js';

const YAML11_BOOLEANS = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;
const SEXAGESIMAL = /^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/;
const TIMESTAMP = /^\d{4}-\d{1,2}-\d{1,2}([Tt ]|$)/;
const OCTAL = /^[-+]?0[0-7_]+$/;

/** What YAML 1.1 would make of a plain scalar, when that differs from YAML 1.2's reading. */
function yaml11Reading(text: string): string | null {
  if (YAML11_BOOLEANS.test(text)) return `the boolean ${/^(y|yes|on)$/i.test(text) ? 'true' : 'false'}`;
  if (SEXAGESIMAL.test(text)) {
    const parts = text.replace(/_/g, '').split(':').map(Number);
    const value = parts.reduce((acc, p) => acc * 60 + Math.abs(p), 0);
    return `the number ${text.startsWith('-') ? -value : value}`;
  }
  if (TIMESTAMP.test(text)) return 'a date';
  if (OCTAL.test(text)) return `the octal number ${parseInt(text.replace(/_/g, ''), 8)}`;
  return null;
}

/** Warnings for the plain scalars of a parsed file that YAML 1.1 reads differently. */
export function yaml11Warnings(ctx: FileContext): Problem[] {
  const out: Problem[] = [];
  if (ctx.doc === null) return out;
  visit(ctx.doc, {
    Scalar(_key, node) {
      if (!isScalar(node) || node.type !== 'PLAIN' || typeof node.source !== 'string') return;
      const reading = yaml11Reading(node.source);
      if (reading === null) return;
      const { line, col } = ctx.position(node.range?.[0] ?? 0);
      out.push({
        path: ctx.path,
        line,
        col,
        message: `warning: Apsis (YAML 1.1) reads ${node.source} as ${reading}, Apsis Console as ${describeValue(node.value)}; quote it to make the meaning plain`,
      });
    },
  });
  return out;
}

function describeValue(v: unknown): string {
  return typeof v === 'string' ? `the string '${v}'` : `the ${typeof v} ${String(v)}`;
}
