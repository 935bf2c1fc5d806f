/** Source positions and source-like text of expression nodes, for error messages and hints. */
import { childNode as child, childNodes, type TemplateNode } from './nunjucks-internals.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The field holding the leftmost operand of nodes whose own position is not where their source begins. */
const FIRST_OPERAND: Readonly<Record<string, string>> = {
  FunCall: 'name',
  LookupVal: 'target',
  Compare: 'expr',
  InlineIf: 'body',
};

/** The node where an expression's source text begins (calls and binary operators carry a later position). */
export function start(node: TemplateNode): TemplateNode {
  const fieldName = FIRST_OPERAND[node.typename] ?? (node.fields[0] === 'left' ? 'left' : null);
  if (node.typename === 'Filter') {
    const [subject] = childNodes(child(node, 'args'));
    return subject === undefined ? node : start(subject);
  }
  return fieldName === null ? node : start(child(node, fieldName));
}

/** Source-like text of a simple expression (`Date(date)`, `n`, `1`), for hints; null when not simple. */
export function sourceText(node: TemplateNode): string | null {
  const value = node['value'];
  switch (node.typename) {
    case 'Symbol':
      return String(value);
    case 'Literal':
      if (typeof value === 'string') return `'${value}'`;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      return value === null ? 'none' : null;
    case 'Neg': {
      const target = sourceText(child(node, 'target'));
      return target === null ? null : `-${target}`;
    }
    case 'LookupVal': {
      const target = sourceText(child(node, 'target'));
      const key = child(node, 'val');
      if (target === null) return null;
      const name = key['value'];
      if (key.typename === 'Literal' && typeof name === 'string' && IDENTIFIER.test(name))
        return `${target}.${name}`;
      const keyText = sourceText(key);
      return keyText === null ? null : `${target}[${keyText}]`;
    }
    case 'FunCall': {
      const callee = sourceText(child(node, 'name'));
      const args = childNodes(child(node, 'args')).map(sourceText);
      return callee === null || args.includes(null) ? null : `${callee}(${args.join(', ')})`;
    }
    case 'Filter': {
      const [subject, ...rest] = childNodes(child(node, 'args')).map(sourceText);
      if (subject === undefined || subject === null || rest.includes(null)) return null;
      const name = String(child(node, 'name')['value']);
      return `${subject} | ${name}${rest.length > 0 ? `(${rest.join(', ')})` : ''}`;
    }
    default:
      return null;
  }
}
