/**
 * Global actions (SPEC 9.1, 14: the settings key `action`): actions added to every run. They are read from the
 * settings file with the job files' strict parser, so a problem names its line and column. Only alerts (`webhook`,
 * `email`) may be global: a schedule action names a job and belongs in a job file. Their templates may use `run_id`,
 * `job_id` and `state` (every job has other params).
 */
import { isMap, isScalar, LineCounter } from 'yaml';
import { formatProblem } from '../../shared/model/problem.js';
import { TemplateSink } from '../jobs/templated.js';
import { oneOrList } from '../jobs/values.js';
import { parseYaml } from '../jobs/yaml-parse.js';
import { FileContext, isNullNode } from '../jobs/yaml-reader.js';
import { checkTemplate } from '../templating/index.js';
import { parseActions } from './parse.js';
import type { ActionSpec } from './spec.js';

const GLOBAL_TYPES = new Set(['webhook', 'email']);
const GLOBAL_NAMES: ReadonlySet<string> = new Set(['run_id', 'job_id', 'state']);

/** The `action` list of the settings file `path` (its text), or its problems as `PATH:LINE:COL: message` lines. */
export function readGlobalActions(
  path: string,
  text: string,
): { ok: true; actions: ActionSpec[] } | { ok: false; problems: string[] } {
  const lineCounter = new LineCounter();
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const doc = parseYaml(source, lineCounter).docs[0] ?? null;
  const ctx = new FileContext(path, lineCounter, doc, source);
  const contents = doc?.contents;
  const node =
    contents !== null && contents !== undefined && isMap(contents) ? contents.get('action', true) : null;
  if (node === undefined || node === null || isNullNode(node)) return { ok: true, actions: [] };
  const value = ctx.deref(node);
  for (const item of oneOrList(value, ctx)) {
    const type = item !== null && isMap(item) ? ctx.deref(item.get('type', true)) : null;
    if (type !== null && isScalar(type) && typeof type.value === 'string' && !GLOBAL_TYPES.has(type.value))
      ctx.error(
        type,
        `a global action must be a webhook or an email, not '${type.value}'; put schedule actions in job files`,
      );
  }
  const sink = new TemplateSink();
  const actions = ctx.problems.length > 0 ? [] : parseActions(ctx, sink, value);
  for (const field of sink.fields)
    for (const error of checkTemplate(field.source, GLOBAL_NAMES))
      ctx.error(field.node, `${field.what}: ${error.message} (global actions know run_id, job_id and state)`);
  return ctx.problems.length > 0
    ? { ok: false, problems: ctx.problems.map(formatProblem) }
    : { ok: true, actions };
}
