/** Checks of a parsed job that need other jobs or its schedules' occurrences (SPEC 3.3, 10.2). */
import { quoted } from '../../shared/model/clip.js';
import { isScalar } from 'yaml';
import { CalendarRangeError } from '../calendars/calendar.js';
import { occurrences } from '../schedules/occurrences.js';
import { formatArgTime } from '../time/instants.js';
import { parseDuration } from '../time/durations.js';
import { normalizeSignal } from '../programs/signals.js';
import { checkTemplate, renderTemplate, TEMPLATE_GLOBALS, type TemplateError } from '../templating/index.js';
import type { Job } from './job.js';
import type { ParsedFile } from './parse-job.js';
import { templateOptions } from './template-options.js';
import type { TemplatedField } from './templated.js';

/** Every reference to another job: it exists, its args are its params, and its params get values. */
export function checkReferences(
  p: ParsedFile,
  known: ReadonlyMap<string, Job>,
  failed: ReadonlySet<string>,
): void {
  const job = p.partial;
  if (job === null) return;
  for (const ref of p.sink.references) {
    const target = ref.jobId === job.jobId ? job : known.get(ref.jobId);
    if (target === undefined) {
      // A target whose own file is broken is reported there, not here (SPEC 3.3).
      if (!failed.has(ref.jobId))
        p.ctx.error(
          ref.node,
          `${ref.kind === 'action' ? 'action' : 'condition'} refers to job ${quoted(ref.jobId)}, which does not exist`,
        );
      continue;
    }
    for (const name of Object.keys(ref.args))
      if (!target.params.includes(name))
        p.ctx.error(
          ref.node,
          `extraneous arg ${name} for job ${target.jobId}; its params are: ${target.params.join(', ') || '(none)'}`,
        );
    if (ref.kind === 'max_running') continue; // unbound params of the target match any value (SPEC 8.2)
    for (const param of target.params)
      if (!(param in ref.args) && !job.params.includes(param))
        p.ctx.error(
          ref.node,
          `missing arg in ${ref.kind === 'action' ? 'action' : 'condition'}: param ${param} of job ${target.jobId}; add it to args or to this job's params`,
        );
  }
}

/**
 * Templates: names checked statically for every templated field, then each enabled or disabled schedule's
 * first occurrence from `now` is generated and the fields are rendered with its args (SPEC 10.2).
 */
export function checkJobTemplates(p: ParsedFile, now: number, calendarsDir: string | null): void {
  const job = p.partial;
  if (job === null) return;
  const runNames = new Set([...job.params, 'run_id', 'job_id', ...TEMPLATE_GLOBALS]);
  const actionNames = new Set([...job.params, ...TEMPLATE_GLOBALS]);
  let staticOk = true;
  for (const field of p.sink.fields) {
    const errors = checkTemplate(field.source, field.scope === 'run' ? runNames : actionNames);
    for (const error of errors) reportTemplateError(p, field, error);
    if (errors.length > 0) staticOk = false;
  }
  const missingReported = new Set<string>();
  for (const [index, item] of job.schedules.entries()) {
    let first;
    try {
      first = firstOccurrence(item.start, now);
    } catch (e) {
      // A file calendar that runs out (SPEC 5.5) is a problem of this file; any other throw is a bug, which the
      // folder loader reports without its text.
      if (!(e instanceof CalendarRangeError)) throw e;
      p.ctx.error(p.paramsAnchor, `schedule ${index + 1}: ${e.message}`);
      continue;
    }
    if (first === undefined) continue;
    const args: Record<string, string> = { ...first.args, schedule_time: formatArgTime(first.time) };
    const missing = job.params.filter((param) => !(param in args));
    if (missing.length > 0) {
      const key = missing.join(',');
      if (!missingReported.has(key)) {
        missingReported.add(key);
        const node = p.paramNodes.get(missing[0] as string) ?? p.paramsAnchor;
        p.ctx.error(
          node,
          `missing args (${missing.join(', ')}) for job ${job.jobId}: no schedule arg or automatic arg supplies them; add them to the schedule's args`,
        );
      }
      continue;
    }
    if (!staticOk) continue;
    const vars: Record<string, string> = { run_id: 'r0', job_id: job.jobId };
    for (const param of job.params) vars[param] = args[param] as string;
    for (const field of p.sink.fields) {
      if (field.scope !== 'run') continue;
      const result = renderTemplate(field.source, vars, templateOptions(calendarsDir));
      if (!result.ok) {
        reportTemplateError(p, field, result.error);
        return;
      }
      const problem = checkRendered(field, result.value);
      if (problem !== null) {
        p.ctx.error(field.node, problem);
        return;
      }
    }
  }
}

function firstOccurrence(start: Job['schedules'][number]['start'], now: number) {
  for (const occurrence of occurrences(start, now)) return occurrence;
  return undefined;
}

function checkRendered(field: TemplatedField, value: string): string | null {
  switch (field.kind) {
    case 'duration': {
      const parsed = parseDuration(value);
      return parsed.ok ? null : `${field.what} renders as ${quoted(value)}: ${parsed.message}`;
    }
    case 'integer':
      return /^\s*\d+\s*$/.test(value)
        ? null
        : `${field.what} renders as ${quoted(value)}, which is not a whole number`;
    case 'signal':
      return normalizeSignal(value) === null
        ? `${field.what} renders as ${quoted(value)}, which is not a signal`
        : null;
    case 'string':
      return null;
  }
}

/**
 * Reports a template error at the best file position: the exact character when the template's text maps
 * one-to-one onto the file (plain or quoted single-line scalars, literal blocks), else the scalar's start
 * with the template line in the message (SPEC 3.3).
 */
function reportTemplateError(p: ParsedFile, field: TemplatedField, error: TemplateError): void {
  const node = field.node;
  const start = node?.range?.[0];
  const message = `${field.what}: ${error.message}`;
  if (node === null || start === undefined || error.line === undefined || !isScalar(node)) {
    p.ctx.error(node, message);
    return;
  }
  const src = p.ctx.source;
  const col = error.col ?? 1;
  const lines = field.source.split('\n');
  const templateLine = lines[error.line - 1];
  if (templateLine !== undefined) {
    if (node.type === 'PLAIN' || node.type === 'QUOTE_SINGLE' || node.type === 'QUOTE_DOUBLE') {
      const offset = start + (node.type === 'PLAIN' ? 0 : 1);
      if (lines.length === 1 && src.slice(offset, offset + field.source.length) === field.source) {
        p.ctx.errorAt(offset + col - 1, message);
        return;
      }
    } else if (node.type === 'BLOCK_LITERAL') {
      const headerLine = p.ctx.position(start).line;
      const fileLine = headerLine + error.line;
      const lineStart = p.ctx.lineCounter.lineStarts[fileLine - 1];
      const lineEnd = p.ctx.lineCounter.lineStarts[fileLine] ?? src.length;
      if (lineStart !== undefined) {
        const text = src.slice(lineStart, lineEnd).replace(/\r?\n$/, '');
        if (text.endsWith(templateLine)) {
          p.ctx.errorAt(lineStart + text.length - templateLine.length + col - 1, message);
          return;
        }
      }
    }
  }
  p.ctx.error(node, lines.length > 1 ? `${message} (line ${error.line} of the template)` : message);
}
