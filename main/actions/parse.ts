/** Parses `action:` items and `successors:` (SPEC 9). Cross-job checks happen in the loader. */
import { isMap, isScalar } from 'yaml';
import { FINISHED_STATES, RUN_STATES } from '../../shared/model/states.js';
import { readStates } from '../jobs/states-field.js';
import { isTemplated, type TemplateSink } from '../jobs/templated.js';
import { oneOrList, readArgs, readDuration, readString } from '../jobs/values.js';
import { describe, isNullNode, MapReader, type FileContext, type Value } from '../jobs/yaml-reader.js';
import { Registry } from '../registry.js';
import type { ActionCondition, ActionSpec } from './spec.js';

interface Parser {
  ctx: FileContext;
  sink: TemplateSink;
  r: MapReader;
}

type ActionParser = (p: Parser, cond: ActionCondition) => ActionSpec | undefined;

export const actionTypes = new Registry<ActionParser>('action');

/** True when the engine accepts the test-only action types (SPEC 9.4). */
export function testTypesEnabled(): boolean {
  return process.env['APSIS_TEST_TYPES'] === '1';
}

function readIf(ctx: FileContext, node: Value | undefined): ActionCondition | undefined {
  if (node === undefined || isNullNode(node)) return { states: [...FINISHED_STATES] };
  if (node === null || !isMap(node)) {
    ctx.error(
      node,
      `action 'if' must be a mapping such as {states: [failure, error]}, got ${describe(node)}`,
    );
    return undefined;
  }
  const r = new MapReader(ctx, node, "action 'if'");
  const statesNode = r.take('states');
  r.finish(['states']);
  if (statesNode === undefined) return { states: [...RUN_STATES] }; // `if: {}` matches every state
  const states = readStates(ctx, statesNode, 'action if states');
  return states === undefined ? undefined : { states };
}

function scheduleArgs(p: Parser, node: Value): Record<string, string> | undefined {
  const args = readArgs(p.ctx, node, 'action args');
  if (args !== undefined && node !== null && isMap(node))
    for (const pair of node.items) {
      const text = args[String(isScalar(pair.key) ? pair.key.value : '')];
      if (text !== undefined && isTemplated(text))
        p.sink.add({
          node: p.ctx.deref(pair.value),
          source: text,
          kind: 'string',
          what: 'action args value',
          scope: 'action',
        });
    }
  return args;
}

actionTypes.register('schedule', (p, cond) => {
  const jobNode = p.r.take('job_id');
  const argsNode = p.r.take('args');
  p.r.finish(['type', 'job_id', 'args', 'if']);
  if (jobNode === undefined) {
    p.ctx.error(p.r.node, "schedule action is missing 'job_id'; add job_id: the job to run");
    return undefined;
  }
  const jobId = readString(p.ctx, jobNode, 'action job_id');
  const args = argsNode === undefined ? {} : scheduleArgs(p, argsNode);
  if (jobId === undefined || args === undefined) return undefined;
  p.sink.reference({ node: jobNode, jobId, args, kind: 'action' });
  return { type: 'schedule', job_id: jobId, args, if: cond };
});

actionTypes.register('apsis.actions.test.SleepThreadAction', (p, cond) => {
  const dNode = p.r.take('duration');
  p.r.finish(['type', 'duration', 'if']);
  const duration = dNode === undefined ? 0 : readDuration(p.ctx, dNode, 'duration');
  return duration === undefined
    ? undefined
    : { type: 'apsis.actions.test.SleepThreadAction', duration, if: cond };
});

actionTypes.register('apsis.actions.test.ErrorThreadAction', (p, cond) => {
  p.r.finish(['type', 'if']);
  return { type: 'apsis.actions.test.ErrorThreadAction', if: cond };
});

actionTypes.register('apsis.actions.test.CheckLabelAction', (p, cond) => {
  const lNode = p.r.take('label');
  p.r.finish(['type', 'label', 'if']);
  const label = lNode === undefined ? undefined : readString(p.ctx, lNode, 'label');
  return label === undefined ? undefined : { type: 'apsis.actions.test.CheckLabelAction', label, if: cond };
});

function visibleTypes(): string[] {
  return testTypesEnabled() ? actionTypes.types() : ['schedule'];
}

/** Parses `action:` (one item or a list). */
export function parseActions(ctx: FileContext, sink: TemplateSink, node: Value | undefined): ActionSpec[] {
  if (node === undefined || isNullNode(node)) return [];
  const out: ActionSpec[] = [];
  for (const item of oneOrList(node, ctx)) {
    if (item === null || !isMap(item)) {
      ctx.error(
        item,
        `an action must be a mapping with a 'type', got ${describe(item)}; known types: ${visibleTypes().join(', ')}`,
      );
      continue;
    }
    const r = new MapReader(ctx, item, 'action');
    const typeNode = r.take('type');
    if (typeNode === undefined) {
      ctx.error(item, `action has no 'type'; known types: ${visibleTypes().join(', ')}`);
      continue;
    }
    const type = readString(ctx, typeNode, 'action type');
    if (type === undefined) continue;
    const parse = visibleTypes().includes(type) ? actionTypes.get(type) : undefined;
    if (parse === undefined) {
      ctx.error(typeNode, actionTypes.unknownMessage(type, visibleTypes()));
      continue;
    }
    const typed = new MapReader(ctx, item, `${type} action`);
    typed.take('type');
    const before = ctx.problems.length;
    const cond = readIf(ctx, typed.take('if'));
    const spec = cond === undefined ? undefined : parse({ ctx, sink, r: typed }, cond);
    if (spec !== undefined && ctx.problems.length === before) out.push(spec);
  }
  return out;
}

/** Parses `successors:`: each entry becomes a schedule action on success (SPEC 9.3). */
export function parseSuccessors(ctx: FileContext, sink: TemplateSink, node: Value | undefined): ActionSpec[] {
  if (node === undefined || isNullNode(node)) return [];
  const out: ActionSpec[] = [];
  for (const item of oneOrList(node, ctx)) {
    if (item !== null && isScalar(item) && typeof item.value === 'string') {
      sink.reference({ node: item, jobId: item.value, args: {}, kind: 'action' });
      out.push({ type: 'schedule', job_id: item.value, args: {}, if: { states: ['success'] } });
      continue;
    }
    if (item === null || !isMap(item)) {
      ctx.error(item, `a successor must be a job ID or {job_id, args}, got ${describe(item)}`);
      continue;
    }
    const r = new MapReader(ctx, item, 'successor');
    const jobNode = r.take('job_id');
    const argsNode = r.take('args');
    r.finish(['job_id', 'args']);
    if (jobNode === undefined) {
      ctx.error(item, "successor is missing 'job_id'");
      continue;
    }
    const jobId = readString(ctx, jobNode, 'successor job_id');
    const args = argsNode === undefined ? {} : scheduleArgs({ ctx, sink, r }, argsNode);
    if (jobId === undefined || args === undefined) continue;
    sink.reference({ node: jobNode, jobId, args, kind: 'action' });
    out.push({ type: 'schedule', job_id: jobId, args, if: { states: ['success'] } });
  }
  return out;
}
