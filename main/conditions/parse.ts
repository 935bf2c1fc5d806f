/** Parses `condition:` items (SPEC 8). Cross-job checks (the target job exists, its params) happen in the loader. */
import { quoted } from '../../shared/model/clip.js';
import { isMap, isScalar } from 'yaml';
import { reachableFrom, RUN_STATES, type RunState } from '../../shared/model/states.js';
import { readState, readStates } from '../jobs/states-field.js';
import { isTemplated, type TemplateSink } from '../jobs/templated.js';
import { oneOrList, readArgs, readBool, readString, readStringLike } from '../jobs/values.js';
import { describe, isNullNode, MapReader, type FileContext, type Value } from '../jobs/yaml-reader.js';
import { Registry } from '../registry.js';
import type { ConditionSpec } from './spec.js';

interface Parser {
  ctx: FileContext;
  sink: TemplateSink;
  r: MapReader;
}

type ConditionParser = (p: Parser) => ConditionSpec | undefined;

export const conditionTypes = new Registry<ConditionParser>('condition');

/** Args whose values are templates rendered with the run's args. */
function templatedArgs(p: Parser, node: Value, what: string): Record<string, string> | undefined {
  const args = readArgs(p.ctx, node, what);
  if (args !== undefined && node !== null && isMap(node)) {
    for (const pair of node.items) {
      const value = p.ctx.deref(pair.value);
      const text = args[String(isScalar(pair.key) ? pair.key.value : '')];
      if (text !== undefined && isTemplated(text))
        p.sink.add({ node: value, source: text, kind: 'string', what: `${what} value`, scope: 'run' });
    }
  }
  return args;
}

conditionTypes.register('max_running', (p) => {
  const countNode = p.r.take('count');
  const jobNode = p.r.take('job_id');
  const argsNode = p.r.take('args');
  p.r.finish(['type', 'count', 'job_id', 'args']);
  let count: number | string | undefined = 1;
  if (countNode !== undefined) {
    const text = readStringLike(p.ctx, countNode, 'max_running count');
    if (text === undefined) return undefined;
    if (isTemplated(text))
      p.sink.add({ node: countNode, source: text, kind: 'integer', what: 'max_running count', scope: 'run' });
    else if (!/^\s*\d+\s*$/.test(text)) {
      p.ctx.error(countNode, `max_running count must be a whole number, got ${quoted(text)}`);
      return undefined;
    }
    count =
      countNode !== null && isScalar(countNode) && typeof countNode.value === 'number'
        ? countNode.value
        : text;
  }
  const jobId = jobNode === undefined ? undefined : readString(p.ctx, jobNode, 'max_running job_id');
  const args = argsNode === undefined ? undefined : templatedArgs(p, argsNode, 'max_running args');
  if ((jobNode !== undefined && jobId === undefined) || (argsNode !== undefined && args === undefined))
    return undefined;
  if (jobId !== undefined && jobNode !== undefined)
    p.sink.reference({ node: jobNode, jobId, args: args ?? {}, kind: 'max_running' });
  return {
    type: 'max_running',
    count,
    ...(jobId === undefined ? {} : { job_id: jobId }),
    ...(args === undefined ? {} : { args }),
  };
});

conditionTypes.register('dependency', (p) => {
  const jobNode = p.r.take('job_id');
  const argsNode = p.r.take('args');
  const statesNode = p.r.take('states');
  const existNode = p.r.take('exist');
  p.r.finish(['type', 'job_id', 'args', 'states', 'exist']);
  if (jobNode === undefined) {
    p.ctx.error(p.r.node, "dependency condition is missing 'job_id'; add job_id: the job this run waits for");
    return undefined;
  }
  const jobId = readString(p.ctx, jobNode, 'dependency job_id');
  const args = argsNode === undefined ? {} : templatedArgs(p, argsNode, 'dependency args');
  const states: RunState[] | undefined =
    statesNode === undefined ? ['success'] : readStates(p.ctx, statesNode, 'dependency states');
  let exist: RunState[] | undefined;
  if (existNode !== undefined && !isNullNode(existNode)) {
    if (existNode !== null && isScalar(existNode) && typeof existNode.value === 'boolean') {
      if (existNode.value && states !== undefined)
        exist = RUN_STATES.filter((s) => [...reachableFrom(s)].some((r) => states.includes(r)));
    } else exist = readStates(p.ctx, existNode, 'dependency exist');
    if (exist !== undefined && states !== undefined) {
      const outside = states.filter((s) => !exist?.includes(s));
      if (outside.length > 0)
        p.ctx.error(
          existNode,
          `dependency states (${outside.join(', ')}) must also be listed in exist (${exist.join(', ')})`,
        );
    }
  }
  if (jobId === undefined || args === undefined || states === undefined) return undefined;
  p.sink.reference({ node: jobNode, jobId, args, kind: 'dependency' });
  return { type: 'dependency', job_id: jobId, args, states, ...(exist === undefined ? {} : { exist }) };
});

conditionTypes.register('skip_duplicate', (p) => {
  const checkNode = p.r.take('check_states');
  const targetNode = p.r.take('target_state');
  p.r.finish(['type', 'check_states', 'target_state']);
  const check: RunState[] | undefined =
    checkNode === undefined
      ? ['waiting', 'starting', 'running']
      : readStates(p.ctx, checkNode, 'skip_duplicate check_states');
  const target =
    targetNode === undefined ? 'skipped' : readState(p.ctx, targetNode, 'skip_duplicate target_state', true);
  if (check === undefined || target === undefined) return undefined;
  return { type: 'skip_duplicate', check_states: check, target_state: target };
});

conditionTypes.register('const', (p) => {
  const valueNode = p.r.take('value');
  p.r.finish(['type', 'value']);
  if (valueNode === undefined) {
    p.ctx.error(p.r.node, "const condition is missing 'value'; add value: true or false");
    return undefined;
  }
  const value = readBool(p.ctx, valueNode, 'const value');
  return value === undefined ? undefined : { type: 'const', value };
});

/** Parses `condition:` (one item or a list). */
export function parseConditions(
  ctx: FileContext,
  sink: TemplateSink,
  node: Value | undefined,
): ConditionSpec[] {
  if (node === undefined || isNullNode(node)) return [];
  const out: ConditionSpec[] = [];
  for (const item of oneOrList(node, ctx)) {
    if (item === null || !isMap(item)) {
      ctx.error(
        item,
        `a condition must be a mapping with a 'type', got ${describe(item)}; known types: ${conditionTypes.types().join(', ')}`,
      );
      continue;
    }
    const r = new MapReader(ctx, item, 'condition');
    const typeNode = r.take('type');
    if (typeNode === undefined) {
      ctx.error(item, `condition has no 'type'; known types: ${conditionTypes.types().join(', ')}`);
      continue;
    }
    const type = readString(ctx, typeNode, 'condition type');
    if (type === undefined) continue;
    const parse = conditionTypes.get(type);
    if (parse === undefined) {
      ctx.error(typeNode, conditionTypes.unknownMessage(type));
      continue;
    }
    const typed = new MapReader(ctx, item, `${type} condition`);
    typed.take('type');
    const before = ctx.problems.length;
    const spec = parse({ ctx, sink, r: typed });
    if (spec !== undefined && ctx.problems.length === before) out.push(spec);
  }
  return out;
}
