/**
 * One walk over a composed document, with its own stack rather than recursion: which node each alias stands
 * for, how many nodes an anchored value holds (what repeating it through an alias costs), and which mapping keys
 * repeat an earlier key of their mapping.
 *
 * The `yaml` library can answer the first (`Alias.resolve`) and the last (`uniqueKeys`), but the first walks the
 * whole document again for every alias and the second compares every key with every earlier key, so a large
 * file would cost time quadratic in its size.
 */
import { isAlias, isMap, isScalar, isSeq, type Alias, type Document, type Node } from 'yaml';

export interface DocIndex {
  /** Each alias's target: the last node before it, in document order, with its anchor; null when none is. */
  targets: Map<Alias, Node | null>;
  /** Nodes in each anchored collection, itself included (an alias inside counts one). */
  sizes: Map<Node, number>;
  /** Keys equal to an earlier key of the same mapping, in document order. */
  duplicateKeys: Node[];
}

interface Frame {
  node: Node;
  children: unknown[];
  next: number;
  size: number;
}

/** A key's identity for duplicate checks, as the YAML library compares them (scalar values, `===`); null: none. */
function keyIdentity(key: unknown): string | null {
  if (!isScalar(key)) return null;
  const v = key.value;
  if (typeof v === 'number' && Number.isNaN(v)) return null;
  return `${typeof v}:${String(v)}`;
}

function childrenOf(node: Node, duplicateKeys: Node[]): unknown[] | null {
  if (isSeq(node)) return node.items;
  if (!isMap(node)) return null;
  const seen = new Set<string>();
  const children: unknown[] = [];
  for (const pair of node.items) {
    const id = keyIdentity(pair.key);
    if (id !== null) {
      if (seen.has(id)) duplicateKeys.push(pair.key as Node);
      seen.add(id);
    }
    children.push(pair.key, pair.value);
  }
  return children;
}

/** Indexes `doc` in document order (a node before its children, a key before its value). */
export function indexDocument(doc: Document.Parsed): DocIndex {
  const index: DocIndex = { targets: new Map(), sizes: new Map(), duplicateKeys: [] };
  const anchors = new Map<string, Node>();
  const stack: Frame[] = [];
  /** Enters `value`: its size when it is a leaf, or null when a frame was pushed for its children. */
  const enter = (value: unknown): number | null => {
    if (isAlias(value)) {
      index.targets.set(value, anchors.get(value.source) ?? null);
      return 1;
    }
    if (!isScalar(value) && !isMap(value) && !isSeq(value)) return 0;
    if (value.anchor !== undefined && value.anchor !== '') anchors.set(value.anchor, value);
    const children = childrenOf(value, index.duplicateKeys);
    if (children === null) return 1;
    stack.push({ node: value, children, next: 0, size: 1 });
    return null;
  };
  enter(doc.contents);
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as Frame;
    if (top.next < top.children.length) {
      const size = enter(top.children[top.next]);
      top.next += 1;
      if (size !== null) top.size += size;
      continue;
    }
    stack.pop();
    if (top.node.anchor !== undefined) index.sizes.set(top.node, top.size);
    const parent = stack[stack.length - 1];
    if (parent !== undefined) parent.size += top.size;
  }
  return index;
}
