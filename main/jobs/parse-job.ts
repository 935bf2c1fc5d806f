/** Parses one job file into a Job, collecting every problem with its position (SPEC 3.2-3.4). */
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Document, type Node } from 'yaml';
import { clipText, quoted } from '../../shared/model/clip.js';
import { parseActions, parseSuccessors } from '../actions/parse.js';
import { parseConditions } from '../conditions/parse.js';
import { parseProgram } from '../programs/parse.js';
import { parseSchedules, type ScheduleOptions } from '../schedules/parse.js';
import type { Job } from './job.js';
import { TemplateSink } from './templated.js';
import { unclosedOpener } from './unclosed.js';
import { oneOrList, readString, readStringLike } from './values.js';
import { MAX_NESTING, parseYaml } from './yaml-parse.js';
import { describe, FileContext, isNullNode, MapReader, type Value } from './yaml-reader.js';

export const JOB_KEYS = [
  'job_id',
  'params',
  'schedule',
  'program',
  'condition',
  'action',
  'successors',
  'metadata',
] as const;

const KEY_HINTS: Record<string, string> = {
  actions: 'action',
  conditions: 'condition',
  schedules: 'schedule',
};

export interface ParsedFile {
  ctx: FileContext;
  /** The job when the file has no problem of its own (cross-file checks come later). */
  job: Job | null;
  /** The job as far as it could be read despite problems, so that later checks still report theirs. */
  partial: Job | null;
  sink: TemplateSink;
  /** Param name → its node, for positions of param problems. */
  paramNodes: Map<string, Node | null>;
  /** The `params` node or the document, for problems about params as a whole. */
  paramsAnchor: Node | null;
}

/** Parses the text of the job file `relPath` whose job ID is `jobId`. */
export function parseJobFile(
  relPath: string,
  jobId: string,
  text: string,
  options: ScheduleOptions,
): ParsedFile {
  const lineCounter = new LineCounter();
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const { docs, tooDeepAt } = parseYaml(source, lineCounter);
  const first = docs[0] ?? null;
  const ctx = new FileContext(relPath, lineCounter, first, source);
  const sink = new TemplateSink();
  const result: ParsedFile = {
    ctx,
    job: null,
    partial: null,
    sink,
    paramNodes: new Map(),
    paramsAnchor: null,
  };
  if (tooDeepAt !== null) {
    ctx.errorAt(tooDeepAt, NESTING_MESSAGE);
    return result;
  }
  reportYamlErrors(ctx, docs);
  for (const key of ctx.index?.duplicateKeys ?? []) ctx.error(key, DUPLICATE_KEY_MESSAGE);
  if (ctx.problems.length > 0) return result;
  if (docs.length > 1) {
    ctx.errorAt(
      docs[1]?.range[0] ?? 0,
      'a job file must hold exactly one YAML document; remove the extra `---` document',
    );
    return result;
  }
  const root = first === null ? null : ctx.deref(first.contents);
  if (root === null || isNullNode(root)) {
    ctx.errorAt(0, "the file is empty; a job file is a mapping with at least a 'program' key");
    return result;
  }
  if (!isMap(root)) {
    ctx.errorAt(
      0,
      `a job file must be a mapping of job keys (${JOB_KEYS.join(', ')}), got ${describe(root)}`,
    );
    return result;
  }
  result.partial = parseJobMap(ctx, sink, root, jobId, relPath, options, result);
  result.job = ctx.problems.length > 0 ? null : result.partial;
  return result;
}

function parseJobMap(
  ctx: FileContext,
  sink: TemplateSink,
  root: Node,
  jobId: string,
  relPath: string,
  options: ScheduleOptions,
  out: ParsedFile,
): Job | null {
  const r = new MapReader(ctx, root, 'job');
  const idNode = r.take('job_id');
  if (idNode !== undefined) {
    const given = readString(ctx, idNode, 'job_id');
    if (given !== undefined && given !== jobId)
      ctx.error(
        idNode,
        `job_id ${quoted(given)} does not match the file's path, which gives ${quoted(jobId)}; remove job_id or rename the file`,
      );
  }
  const paramsNode = r.take('params');
  out.paramsAnchor = paramsNode ?? root;
  const params = readParams(ctx, paramsNode, out.paramNodes);
  const schedules = parseSchedules(ctx, r.take('schedule'), options);
  const programNode = r.take('program');
  const program = programNode === undefined ? undefined : parseProgram(ctx, sink, programNode);
  if (programNode === undefined)
    ctx.errorAt(
      0,
      "the job has no 'program'; add program: with a shell command, an argv list, or a mapping with a type",
    );
  const conditions = parseConditions(ctx, sink, r.take('condition'));
  const actions = [
    ...parseActions(ctx, sink, r.take('action')),
    ...parseSuccessors(ctx, sink, r.take('successors')),
  ];
  const metadata = readMetadata(ctx, r.take('metadata'));
  if (r.has('ad_hoc'))
    ctx.error(
      r.keyNode('ad_hoc'),
      "unexpected key 'ad_hoc' in job: ad hoc jobs are created through the API only; remove the key",
    );
  r.take('ad_hoc');
  r.finish(JOB_KEYS, KEY_HINTS);
  if (program === undefined || metadata === undefined) return null;
  const definition = JSON.stringify(
    { params, schedules, program, conditions, actions, metadata },
    (_k, v: unknown) =>
      v !== null && typeof v === 'object' && 'expr' in v && 'contains' in v
        ? (v as { expr: string }).expr
        : v,
  );
  return {
    jobId,
    file: relPath,
    params,
    schedules,
    program,
    conditions,
    actions,
    metadata,
    adHoc: false,
    definition,
  };
}

function readParams(ctx: FileContext, node: Value | undefined, nodes: Map<string, Node | null>): string[] {
  if (node === undefined || isNullNode(node)) return [];
  let items: Value[];
  if (node !== null && isMap(node)) items = node.items.map((pair) => pair.key as Node);
  else if (node !== null && (isSeq(node) || isScalar(node))) items = oneOrList(node, ctx);
  else {
    ctx.error(node, `params must be a list of names, got ${describe(node)}`);
    return [];
  }
  for (const item of items) {
    const name = readString(ctx, item, 'param name');
    if (name === undefined) continue;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      ctx.error(
        item,
        `param name ${quoted(name)} must be an identifier (letters, digits and _), so templates can use it`,
      );
    else if (nodes.has(name)) ctx.error(item, `param ${quoted(name)} is listed twice`);
    else nodes.set(name, item);
  }
  return [...nodes.keys()].sort();
}

function readMetadata(ctx: FileContext, node: Value | undefined): Record<string, unknown> | undefined {
  if (node === undefined || isNullNode(node)) return {};
  if (node === null || !isMap(node)) {
    ctx.error(node, `metadata must be a mapping, got ${describe(node)}`);
    return undefined;
  }
  const out: Record<string, unknown> = {};
  let tooDeep = false;
  /** Plain JSON value of `raw` at nesting level `level`; only aliases can reach past MAX_NESTING here. */
  const toPlain = (raw: unknown, level: number): unknown => {
    const node = ctx.deref(raw);
    if (node === null || isScalar(node)) return node === null ? null : node.value;
    if (level > MAX_NESTING) {
      if (!tooDeep) ctx.error(isAlias(raw) ? raw : node, `metadata is ${NESTING_MESSAGE}`);
      tooDeep = true;
      return null;
    }
    if (isSeq(node)) return node.items.map((item) => toPlain(item, level + 1));
    if (!isMap(node)) return null;
    const map: Record<string, unknown> = {};
    for (const pair of node.items)
      map[String(isScalar(pair.key) ? pair.key.value : '')] = toPlain(pair.value, level + 1);
    return map;
  };
  for (const pair of node.items) {
    const key = pair.key as Node;
    const name = readStringLike(ctx, key, 'metadata key');
    if (name === undefined) return undefined;
    if (name === 'labels') {
      const value = ctx.deref(pair.value);
      const labels: string[] = [];
      if (!isNullNode(value))
        for (const item of oneOrList(value, ctx)) {
          const label = readStringLike(ctx, item, 'label');
          if (label !== undefined) labels.push(label);
        }
      out[name] = labels;
    } else out[name] = toPlain(pair.value, 3); // the job is level 1, metadata level 2
  }
  return out;
}

const NESTING_MESSAGE = `nested deeper than ${MAX_NESTING} levels: a job file needs a few levels of mappings and lists; flatten this value`;

const DUPLICATE_KEY_MESSAGE = 'duplicate key: each key may appear once in a mapping; remove one of them';

/** Most YAML syntax errors examined per file: one fault can cascade into an error per line after it. */
const MAX_YAML_ERRORS = 20;

/** The YAML parser's errors, the first MAX_YAML_ERRORS of them deduplicated, each made to say what to fix. */
function reportYamlErrors(ctx: FileContext, docs: readonly Document.Parsed[]): void {
  const errors = docs.flatMap((doc) => doc.errors);
  const seen = new Set<string>();
  for (const e of errors.slice(0, MAX_YAML_ERRORS)) {
    const message = yamlMessage(e.code, e.message);
    const lower = message.toLowerCase();
    const opener =
      lower.includes('flow') || lower.includes('quote') ? unclosedOpener(ctx.source, e.pos[0]) : null;
    const key = `${opener ?? e.pos[0]} ${message}`;
    if (seen.has(key)) continue; // the parser can report one fault twice
    seen.add(key);
    ctx.errorAt(opener ?? Math.max(0, e.pos[0]), message);
  }
  const rest = errors[MAX_YAML_ERRORS];
  if (rest !== undefined)
    ctx.errorAt(
      Math.max(0, rest.pos[0]),
      `the YAML parser reported ${errors.length - MAX_YAML_ERRORS} more errors from here on, not shown; fix the ones before first`,
    );
}

/** Error texts of the JavaScript engine, which say nothing to a user about the file. */
const ENGINE_ERROR =
  /call stack|out of memory|Invalid (?:string|array) length|RangeError|TypeError|ReferenceError/;

/** YAML parser messages, made to say what to fix; never the JavaScript engine's own error text. */
export function yamlMessage(code: string, message: string): string {
  if (code === 'DUPLICATE_KEY') return DUPLICATE_KEY_MESSAGE;
  if (code === 'RESOURCE_EXHAUSTION') return NESTING_MESSAGE;
  const first = clipText(
    message.slice(0, message.indexOf('\n') === -1 ? undefined : message.indexOf('\n')),
    200,
  );
  if (ENGINE_ERROR.test(first))
    return 'YAML syntax error: the YAML parser could not read this value; simplify it or write it another way';
  return `YAML syntax error: ${first}`;
}
