/**
 * Apsis's bound conditions and unbound actions as stored in its `runs.conds` and `runs.actions` columns
 * (`python/apsis/cond/`, `python/apsis/actions/`), mapped to ours (SPEC 8, 9). Exact or refused with the reason.
 */
import { FINISHED_STATES, isRunState, type RunState } from '../../shared/model/states.js';
import type { ScheduleActionSpec } from '../actions/spec.js';
import type { Args, BoundCondition } from '../conditions/bind.js';
import { describe, Fields, isObject, type Mapped } from './fields.js';

const MAX_RUNNING = 'apsis.cond.max_running.BoundMaxRunning';
const SKIP_DUPLICATE = 'apsis.cond.skip_duplicate.BoundSkipDuplicate';

/** Our bound condition for an Apsis bound condition (parsed JSON), or why there is none. */
export function mapCondition(jso: unknown): Mapped<BoundCondition> {
  const f = Fields.of(jso, 'condition');
  if (!f.ok) return f;
  const fields = f.fields;
  const type = fields.string('type');
  if (type === undefined) return fields.failure();
  const mapped = mapConditionType(type, fields);
  if (!mapped.ok) return mapped;
  return fields.rest() ?? mapped;
}

function mapConditionType(type: string, f: Fields): Mapped<BoundCondition> {
  switch (type) {
    case 'dependency': {
      const jobId = f.string('job_id');
      const args = argsOf(f, 'args');
      // Apsis leaves `states` out when it is just success; `exist` is absent unless given.
      const states = statesOf(f, 'states', ['success']);
      const exist = statesOf(f, 'exist', null);
      if (jobId === undefined || args === undefined || states === undefined || exist === undefined)
        return f.failure();
      return {
        ok: true,
        value: { type: 'dependency', job_id: jobId, args, states, ...(exist === null ? {} : { exist }) },
      };
    }
    case MAX_RUNNING: {
      const count = countOf(f);
      const jobId = f.string('job_id');
      const args = argsOf(f, 'args');
      if (count === undefined || jobId === undefined || args === undefined) return f.failure();
      return { ok: true, value: { type: 'max_running', count, job_id: jobId, args } };
    }
    case SKIP_DUPLICATE: {
      const check = statesOf(f, 'check_states', null);
      const target = f.string('target_state');
      // The instance and run ID Apsis binds in are the run's own, which ours takes from the run itself.
      f.take('instance');
      f.take('run_id');
      if (check === undefined || check === null || target === undefined) return f.failure();
      if (!isRunState(target))
        return { ok: false, reason: `skip_duplicate target_state "${target}" is no state` };
      return { ok: true, value: { type: 'skip_duplicate', check_states: check, target_state: target } };
    }
    case 'const': {
      const value = f.take('value');
      if (typeof value !== 'boolean') return { ok: false, reason: `const value is ${describe(value)}` };
      return { ok: true, value: { type: 'const', value } };
    }
    default:
      return { ok: false, reason: `condition type "${type}" has no counterpart in Apsis Console` };
  }
}

/** Our action for an Apsis action (parsed JSON), or why there is none. */
export function mapAction(jso: unknown): Mapped<ScheduleActionSpec> {
  const f = Fields.of(jso, 'action');
  if (!f.ok) return f;
  const fields = f.fields;
  const type = fields.string('type');
  if (type === undefined) return fields.failure();
  if (type !== 'schedule')
    return { ok: false, reason: `action type "${type}" has no counterpart in Apsis Console` };
  const jobId = fields.string('job_id');
  // Action args are templates rendered when the action fires: kept as written, order included.
  const args = argsOf(fields, 'args', false);
  const condition = fields.optionalObject('if');
  if (jobId === undefined || args === undefined || condition === undefined) return fields.failure();
  let states: RunState[] = [...FINISHED_STATES];
  if (condition !== null) {
    const given = statesOf(condition, 'states', null);
    if (given === undefined) return condition.failure();
    const rest = condition.rest();
    if (rest !== undefined) return rest;
    if (given !== null) states = given;
  }
  return fields.rest() ?? { ok: true, value: { type: 'schedule', job_id: jobId, args, if: { states } } };
}

/** Args as an object of strings; sorted by key unless `sort` is false. Absent or null: none. */
function argsOf(f: Fields, key: string, sort = true): Args | undefined {
  const value = f.take(key);
  if (value === undefined || value === null) return {};
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    f.fail(`${f.where}.${key} is ${describe(value)}, not an object of strings`);
    return undefined;
  }
  const args = value as Args;
  if (!sort) return args;
  const out: Args = {};
  for (const k of Object.keys(args).sort()) out[k] = args[k] as string;
  return out;
}

/** A state name or a list of them; `absent` when the key is absent or null. */
function statesOf<T extends RunState[] | null>(
  f: Fields,
  key: string,
  absent: T,
): RunState[] | T | undefined {
  const value = f.take(key);
  if (value === undefined || value === null) return absent;
  const list: unknown[] = Array.isArray(value) ? value : [value];
  const bad = list.find((s) => !isRunState(s));
  if (bad === undefined) return list as RunState[];
  f.fail(`${f.where}.${key} holds ${describe(bad)}, which is not a run state`);
  return undefined;
}

/** max_running's count: a whole number, possibly still text (Apsis keeps the job file's value). */
function countOf(f: Fields): number | undefined {
  const value = f.take('count');
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) return n;
  f.fail(`max_running count is ${describe(value)}, not a whole number`);
  return undefined;
}
