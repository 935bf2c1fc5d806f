/** Binding conditions to a run (SPEC 7, 8.2, 8.3): templates rendered, target instances resolved. */
import type { RunState } from '../../shared/model/states.js';
import type { Job } from '../jobs/job.js';
import { isTemplated } from '../jobs/templated.js';
import { renderTemplate, type TemplateOptions } from '../templating/index.js';
import type { ConditionSpec } from './spec.js';

export type Args = Record<string, string>;

export type BoundCondition =
  | { type: 'max_running'; count: number; job_id: string; args: Args }
  | { type: 'dependency'; job_id: string; args: Args; states: RunState[]; exist?: RunState[] }
  | { type: 'skip_duplicate'; check_states: RunState[]; target_state: RunState }
  | { type: 'const'; value: boolean };

class BindError extends Error {}

interface BindVars {
  names: Args;
  options: TemplateOptions;
}

function render(source: string, vars: BindVars, what: string): string {
  if (!isTemplated(source)) return source;
  const r = renderTemplate(source, vars.names, vars.options);
  if (!r.ok) throw new BindError(`${what}: ${r.error.message}`);
  return r.value;
}

function renderArgs(args: Args, vars: BindVars, what: string): Args {
  const out: Args = {};
  for (const [k, v] of Object.entries(args)) out[k] = render(v, vars, `${what} ${k}`);
  return out;
}

/** `J(a=1, b=2)`: how messages name an instance (SPEC 11.5). */
export function instanceStr(jobId: string, args: Args): string {
  return `${jobId}(${Object.entries(args)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')})`;
}

function sorted(args: Args): Args {
  const out: Args = {};
  for (const k of Object.keys(args).sort()) out[k] = args[k] as string;
  return out;
}

function bindOne(
  spec: ConditionSpec,
  jobId: string,
  args: Args,
  vars: BindVars,
  jobOf: (id: string) => Job | undefined,
): BoundCondition {
  switch (spec.type) {
    case 'max_running': {
      const countText =
        typeof spec.count === 'number' ? String(spec.count) : render(spec.count, vars, 'max_running count');
      if (!/^\s*\d+\s*$/.test(countText))
        throw new BindError(`max_running count '${countText}' is not a whole number`);
      const targetId = spec.job_id ?? jobId;
      const target = jobOf(targetId);
      const explicit = renderArgs(spec.args ?? {}, vars, 'max_running arg');
      const bound: Args = {};
      // For each target param: the explicit arg, else this run's arg of that name, else any value (SPEC 8.2).
      for (const p of target?.params ?? Object.keys(explicit)) {
        const v = explicit[p] ?? args[p];
        if (v !== undefined) bound[p] = v;
      }
      return { type: 'max_running', count: Number(countText), job_id: targetId, args: sorted(bound) };
    }
    case 'dependency': {
      const target = jobOf(spec.job_id);
      if (target === undefined) throw new BindError(`dependency on unknown job ${spec.job_id}`);
      const explicit = renderArgs(spec.args, vars, 'dependency arg');
      const bound: Args = {};
      for (const p of target.params) {
        const v = explicit[p] ?? args[p];
        if (v === undefined) throw new BindError(`no value for param ${p} of job ${spec.job_id}`);
        bound[p] = v;
      }
      for (const k of Object.keys(explicit))
        if (!target.params.includes(k)) throw new BindError(`extraneous arg ${k} for job ${spec.job_id}`);
      return {
        type: 'dependency',
        job_id: spec.job_id,
        args: sorted(bound),
        states: spec.states,
        ...(spec.exist === undefined ? {} : { exist: spec.exist }),
      };
    }
    case 'skip_duplicate':
      return { type: 'skip_duplicate', check_states: spec.check_states, target_state: spec.target_state };
    case 'const':
      return { type: 'const', value: spec.value };
  }
}

/** Binds a job's conditions for a run with `args`; an error message when one cannot be bound. */
export function bindConditions(
  specs: readonly ConditionSpec[],
  jobId: string,
  args: Args,
  names: Args,
  jobOf: (id: string) => Job | undefined,
  options: TemplateOptions = {},
): { ok: true; conds: BoundCondition[] } | { ok: false; error: string } {
  const vars = { names, options };
  try {
    return { ok: true, conds: specs.map((s) => bindOne(s, jobId, args, vars, jobOf)) };
  } catch (e) {
    if (e instanceof BindError) return { ok: false, error: e.message };
    throw e;
  }
}

/** One-line description (the `str` of the API; also the `waiting until:` log text). */
export function conditionStr(c: BoundCondition): string {
  switch (c.type) {
    case 'max_running':
      return `fewer than ${c.count} ${instanceStr(c.job_id, c.args)} running`;
    case 'dependency':
      return `dependency ${instanceStr(c.job_id, c.args)} is ${c.states.join('|')}`;
    case 'skip_duplicate':
      return `no duplicate in ${c.check_states.join('|')}`;
    case 'const':
      return c.value ? 'true' : 'false';
  }
}
