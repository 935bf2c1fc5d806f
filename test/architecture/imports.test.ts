// The shape of docs/architecture.md, checked on the sources: value imports between modules of main/ form no cycle,
// transports reach the engine only through main/service/, and the engine knows neither the service nor a transport.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/folders.js';

const MAIN = join(ROOT, 'main');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Modules of main/ that `file` imports as values (type-only imports and specifiers left out), relative to ROOT. */
function valueImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const out: string[] = [];
  for (const node of source.statements) {
    if (!ts.isImportDeclaration(node) && !ts.isExportDeclaration(node)) continue;
    const spec = node.moduleSpecifier;
    if (spec === undefined || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) continue;
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      if (clause?.isTypeOnly === true) continue;
      const named = clause?.namedBindings;
      const onlyTypes =
        clause !== undefined &&
        clause.name === undefined &&
        named !== undefined &&
        ts.isNamedImports(named) &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      if (onlyTypes) continue;
    } else if (node.isTypeOnly) continue;
    const target = resolve(dirname(file), spec.text.replace(/\.js$/, '.ts'));
    out.push(relative(ROOT, target));
  }
  return out;
}

const files = sources(MAIN);
const graph = new Map(files.map((f) => [relative(ROOT, f), valueImports(f)]));

/** Strongly connected components of more than one module (or a module importing itself). */
function cycles(): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index += 1;
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v) as number, indices.get(w) as number));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      for (let w = stack.pop(); w !== undefined; w = stack.pop()) {
        on.delete(w);
        component.push(w);
        if (w === v) break;
      }
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return found;
}

const ROOTS = new Set(['main/cli/serve.ts', 'main/electron/engine-host.ts', 'main/electron/app.ts']);
const ENGINE_INSIDE =
  /^main\/(engine|store|jobs|programs|conditions|actions|schedules|templating)\/|^main\/stats\/collect/;

describe('architecture', () => {
  it('main/ has no cycle of value imports', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(cycles()).toEqual([]);
  });

  it('transports reach the engine only through main/service/, but for the composition roots', () => {
    const offenders: string[] = [];
    for (const [file, imports] of graph) {
      if (!/^main\/(server|electron)\//.test(file) || ROOTS.has(file)) continue;
      for (const target of imports) if (ENGINE_INSIDE.test(target)) offenders.push(`${file} -> ${target}`);
      // Nor through an object a root handed over: no member access into an App or its engine.
      const text = readFileSync(join(ROOT, file), 'utf8');
      if (/\.app\.(engine|store|scheduler)\b|\bapp\.engine\b/.test(text))
        offenders.push(`${file} reaches into the App`);
    }
    expect(offenders).toEqual([]);
  });

  it('the engine, its store and stats import neither the service nor a transport', () => {
    const offenders: string[] = [];
    for (const [file, imports] of graph) {
      if (!/^main\/(engine|stats|store)\//.test(file)) continue;
      for (const target of imports)
        if (/^main\/(service|server|electron|cli)\//.test(target)) offenders.push(`${file} -> ${target}`);
    }
    expect(offenders).toEqual([]);
  });
});
