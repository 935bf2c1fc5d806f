/**
 * Strict reading of YAML nodes with positions: every value read through here can be reported at its
 * line and column, and every mapping reports the keys nobody asked for (SPEC 3.3, 3.4).
 */
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Document,
  type LineCounter,
  type Node,
  type Scalar,
} from 'yaml';
import type { Problem } from '../../shared/model/problem.js';
import { boundMessage, clipText, quoted } from '../../shared/model/clip.js';
import { didYouMean } from './did-you-mean.js';
import { indexDocument, type DocIndex } from './yaml-index.js';

/**
 * Most nodes that aliases may stand for in one file, all uses together (each use costs the size of the value it
 * repeats): reading an alias bomb stops here instead of walking its expansion.
 */
export const MAX_ALIAS_NODES = 10_000;

/** Most problems recorded per file; a file with more has one fault repeated, and a report must stay readable. */
export const MAX_PROBLEMS_PER_FILE = 100;

/** Collects problems of one file. */
export class FileContext {
  /** The first MAX_PROBLEMS_PER_FILE problems found. */
  readonly problems: Problem[] = [];
  /** How many more were found and left out. */
  dropped = 0;
  /** Anchors, sizes and duplicate keys of `doc`. */
  readonly index: DocIndex | null;
  private aliasNodes = 0;
  /** Set by an alias problem, after which nothing more is recorded. */
  private halted = false;

  constructor(
    readonly path: string,
    readonly lineCounter: LineCounter,
    readonly doc: Document.Parsed | null,
    /** The file's text as parsed (BOM removed). */
    readonly source: string,
  ) {
    this.index = doc === null ? null : indexDocument(doc);
  }

  /** 1-based position of a source offset. */
  position(offset: number): { line: number; col: number } {
    const { line, col } = this.lineCounter.linePos(offset);
    return line === 0 ? { line: 1, col: offset + 1 } : { line, col };
  }

  /** Records a problem at `node` (or at 1:1 of the file when null). */
  error(node: Node | null | undefined, message: string): void {
    const offset = node?.range?.[0] ?? 0;
    this.errorAt(offset, message);
  }

  /** Records a problem at a source offset. */
  errorAt(offset: number, message: string): void {
    if (this.halted) return;
    if (this.problems.length >= MAX_PROBLEMS_PER_FILE) {
      this.dropped += 1;
      return;
    }
    const { line, col } = this.position(offset);
    this.problems.push({ path: this.path, line, col, message: boundMessage(message) });
  }

  /**
   * The node an alias stands for (other nodes are returned as they are); null for a missing value. An alias
   * without an anchor before it, or one past the file's alias budget, is the file's last problem: it reads as
   * null, and what the readers would say about that null is a consequence, not news, so nothing more is
   * recorded.
   */
  deref(node: unknown): Node | null {
    if (!isAlias(node)) return (node as Node | null | undefined) ?? null;
    const target = this.index?.targets.get(node) ?? null;
    if (target === null) {
      const name = clipText(node.source);
      this.halt(
        node,
        `alias *${name} has no anchor &${name} before it; define the anchor first or write the value out`,
      );
      return null;
    }
    this.aliasNodes += this.index?.sizes.get(target) ?? 1;
    if (this.aliasNodes > MAX_ALIAS_NODES) {
      this.halt(
        node,
        `aliases in this file stand for more than ${MAX_ALIAS_NODES} values in all (an alias bomb?); write the values out or repeat them less`,
      );
      return null;
    }
    return target;
  }

  /** Records a last problem; later ones are not recorded. */
  private halt(node: Node, message: string): void {
    this.error(node, message);
    this.halted = true;
  }
}

export type Value = Node | null;

/** A YAML mapping whose keys are taken one by one; `finish` reports the rest as unexpected. */
export class MapReader {
  private readonly entries = new Map<string, { key: Node; value: Value }>();
  private readonly taken = new Set<string>();

  constructor(
    readonly ctx: FileContext,
    readonly node: Node,
    /** What the mapping is, for messages: `job`, `schedule`, `program`... */
    readonly what: string,
  ) {
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const key = pair.key as Node;
      const keyValue = isScalar(key) ? key.value : undefined;
      if (typeof keyValue !== 'string') {
        ctx.error(key, `${what} keys must be strings, got ${describe(ctx.deref(key))}`);
        continue;
      }
      this.entries.set(keyValue, { key, value: ctx.deref(pair.value) });
    }
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** The value of `key` (null when present but empty), or undefined when absent; marks it as used. */
  take(key: string): Value | undefined {
    this.taken.add(key);
    const entry = this.entries.get(key);
    return entry === undefined ? undefined : entry.value;
  }

  /** The key node of `key`, for positions. */
  keyNode(key: string): Node | undefined {
    return this.entries.get(key)?.key;
  }

  /** Reports every key that was not taken: `unexpected key 'x' in program (did you mean 'y'?); allowed: ...`. */
  finish(allowed: readonly string[], hints: Readonly<Record<string, string>> = {}): void {
    for (const [name, { key }] of this.entries) {
      if (this.taken.has(name)) continue;
      const hint = hints[name] ?? didYouMean(name, allowed);
      const suffix = hint === null ? '' : ` (did you mean ${quoted(hint)}?)`;
      this.ctx.error(
        key,
        `unexpected key ${quoted(name)} in ${this.what}${suffix}; allowed keys: ${allowed.join(', ')}`,
      );
    }
  }
}

/** Short description of a node's kind for messages: `a mapping`, `a list`, `the number 3`, `null`. */
export function describe(node: Value | undefined): string {
  if (node === undefined) return 'nothing';
  if (node === null) return 'null';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'string') return `the string ${quoted(v)}`;
    if (typeof v === 'number') return `the number ${clipText(String(node.source ?? v))}`;
    if (typeof v === 'boolean') return `the boolean ${String(v)}`;
  }
  return 'an unsupported value';
}

/** The scalar's value when `node` is a scalar, else undefined. */
export function scalarValue(node: Value): unknown {
  return node !== null && isScalar(node) ? node.value : undefined;
}

/** True when the node is a null scalar or missing. */
export function isNullNode(node: Value | undefined): boolean {
  return node === undefined || node === null || (isScalar(node) && node.value === null);
}

export type { Scalar };
