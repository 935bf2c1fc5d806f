/**
 * Static check of a parsed template: the names it reads that nothing defines, unknown filters and tests,
 * and template loading tags (which job templates cannot use: there is nothing to load). Scoping follows
 * nunjucks: `{% set %}` binds from that point on, `{% for %}` and macros open a scope of their own.
 */
import { childNodes, isNode, type TemplateNode } from './nunjucks-internals.js';

/** A problem found by the check, at a 1-based position. */
export interface Finding {
  message: string;
  line: number;
  col: number;
}

/** What the template may use besides the names it binds itself. */
export interface Vocabulary {
  isDefined(name: string): boolean;
  isFilter(name: string): boolean;
  isTest(name: string): boolean;
}

class Scope {
  private readonly names = new Set<string>();
  constructor(private readonly parent: Scope | null) {}
  bind(name: string): void {
    this.names.add(name);
  }
  has(name: string): boolean {
    return this.names.has(name) || (this.parent?.has(name) ?? false);
  }
}

const LOADING_TAGS: Readonly<Record<string, string>> = {
  Include: 'include',
  Extends: 'extends',
  Import: 'import',
  FromImport: 'from ... import',
};

const nameOf = (node: TemplateNode): string => String(node['value']);

function field(node: TemplateNode, name: string): TemplateNode | null {
  const value = node[name];
  return isNode(value) ? value : null;
}

/** Findings in source order; each undefined name is reported once, where it is first read. */
export function checkNames(root: TemplateNode, vocabulary: Vocabulary): Finding[] {
  const findings: Finding[] = [];
  const report = (node: TemplateNode, message: string): void => {
    findings.push({ message, line: node.lineno + 1, col: node.colno + 1 });
  };

  /** Binds a target: a Symbol, or an Array of Symbols (`for k, v in ...`). */
  const bindTarget = (target: TemplateNode | null, scope: Scope): void => {
    if (target === null) return;
    if (target.typename === 'Symbol') scope.bind(nameOf(target));
    else for (const item of childNodes(target)) bindTarget(item, scope);
  };

  const walkFields = (node: TemplateNode, scope: Scope, skip: readonly string[] = []): void => {
    for (const name of node.fields) {
      if (skip.includes(name)) continue;
      const value = node[name];
      if (isNode(value)) walk(value, scope);
      else if (Array.isArray(value)) for (const item of value) if (isNode(item)) walk(item, scope);
    }
  };

  const walkCallable = (node: TemplateNode, scope: Scope): void => {
    const inner = new Scope(scope);
    inner.bind('caller');
    const args = field(node, 'args');
    for (const arg of args === null ? [] : childNodes(args)) {
      if (arg.typename === 'Symbol') inner.bind(nameOf(arg));
      else for (const pair of childNodes(arg)) bindTarget(field(pair, 'key'), inner);
    }
    for (const arg of args === null ? [] : childNodes(args)) {
      if (arg.typename !== 'Symbol') for (const pair of childNodes(arg)) walkFields(pair, inner, ['key']);
    }
    const body = field(node, 'body');
    if (body !== null) walk(body, inner);
  };

  function walk(node: TemplateNode, scope: Scope): void {
    const loading = LOADING_TAGS[node.typename];
    if (loading !== undefined) report(node, `{% ${loading} %} is not supported in job templates`);
    switch (node.typename) {
      case 'Symbol': {
        const name = nameOf(node);
        if (!scope.has(name) && !vocabulary.isDefined(name)) report(node, `name '${name}' is not defined`);
        return;
      }
      case 'Set': {
        walkFields(node, scope, ['targets']);
        // `{% set x %}...{% endset %}` keeps its captured body outside the node's declared fields.
        const body = field(node, 'body');
        if (body !== null) walk(body, scope);
        for (const target of childNodes(node, 'targets')) bindTarget(target, scope);
        return;
      }
      case 'For':
      case 'AsyncEach':
      case 'AsyncAll': {
        const arr = field(node, 'arr');
        if (arr !== null) walk(arr, scope);
        const inner = new Scope(scope);
        inner.bind('loop');
        bindTarget(field(node, 'name'), inner);
        const body = field(node, 'body');
        if (body !== null) walk(body, inner);
        const otherwise = field(node, 'else_');
        if (otherwise !== null) walk(otherwise, scope);
        return;
      }
      case 'Macro':
        bindTarget(field(node, 'name'), scope);
        walkCallable(node, scope);
        return;
      case 'Caller':
        walkCallable(node, scope);
        return;
      case 'Filter':
      case 'FilterAsync': {
        const name = field(node, 'name');
        if (name !== null && !vocabulary.isFilter(nameOf(name)))
          report(name, `no filter named '${nameOf(name)}'`);
        walkFields(node, scope, ['name', 'symbol']);
        return;
      }
      case 'Is': {
        const test = field(node, 'right');
        const name = test?.typename === 'FunCall' ? field(test, 'name') : test;
        if (name !== null && !vocabulary.isTest(nameOf(name)))
          report(name, `no test named '${nameOf(name)}'`);
        const left = field(node, 'left');
        if (left !== null) walk(left, scope);
        const args = test?.typename === 'FunCall' ? field(test, 'args') : null;
        if (args !== null) walk(args, scope);
        return;
      }
      case 'Pair':
        // Dict keys written as names are strings ({a: 1}); keyword argument names are not reads either.
        walkFields(node, scope, field(node, 'key')?.typename === 'Symbol' ? ['key'] : []);
        return;
      case 'Import':
        walkFields(node, scope, ['target']);
        bindTarget(field(node, 'target'), scope);
        return;
      case 'FromImport':
        walkFields(node, scope, ['names']);
        for (const item of childNodes(field(node, 'names') ?? node)) {
          bindTarget(item.typename === 'Pair' ? field(item, 'value') : item, scope);
        }
        return;
      default:
        walkFields(node, scope);
    }
  }

  walk(root, new Scope(null));
  findings.sort((a, b) => a.line - b.line || a.col - b.col);
  const seen = new Set<string>();
  return findings.filter((f) => !seen.has(f.message) && (seen.add(f.message), true));
}
