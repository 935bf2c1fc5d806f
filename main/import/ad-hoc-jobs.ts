/**
 * Apsis's ad hoc jobs (its `jobs` table: `Job.to_jso()` of `python/apsis/jobs.py`) as ours (SPEC 10.4): the job
 * object our `POST /api/v1/runs` takes, checked by the job file parser like one sent to the API.
 */
import { parseJobFile } from '../jobs/parse-job.js';
import { isObject, type Mapped } from './fields.js';

/** Keys of Apsis's job JSON that name a list of typed items, where Apsis writes `null` for "not set". */
const TYPED_LISTS = ['schedule', 'condition', 'action'] as const;

/** Our ad hoc job definition for one row of Apsis's `jobs`, or why it cannot be used. */
export function mapAdHocJob(jobId: unknown, text: unknown): Mapped<Record<string, unknown>> {
  if (typeof jobId !== 'string' || jobId === '') return { ok: false, reason: 'its job_id is not a string' };
  let jso: unknown;
  try {
    jso = typeof text === 'string' ? JSON.parse(text) : undefined;
  } catch {
    jso = undefined;
  }
  if (!isObject(jso)) return { ok: false, reason: 'its job column is not a JSON object' };
  const { job_id: ownId, ad_hoc: adHoc, program, ...rest } = jso;
  if (ownId !== undefined && ownId !== null && ownId !== jobId)
    return { ok: false, reason: `its JSON names another job ID, ${JSON.stringify(ownId)}` };
  if (adHoc === false) return { ok: false, reason: 'it is not marked ad hoc' };
  const definition: Record<string, unknown> = { ...rest, program: withoutNulls(program) };
  for (const key of TYPED_LISTS) {
    const list = definition[key];
    if (Array.isArray(list)) {
      if (list.length === 0) delete definition[key];
      else definition[key] = list.map(withoutNulls);
    }
  }
  const parsed = parseJobFile(`<ad hoc job ${jobId}>`, jobId, JSON.stringify(definition), {
    calendarsDir: null,
  });
  const problems = parsed.ctx.problems.map((p) => p.message);
  if (problems.length > 0 || parsed.job === null)
    return { ok: false, reason: `Apsis Console does not accept it: ${problems.join('; ')}` };
  return { ok: true, value: definition };
}

/** Apsis's `to_jso()` writes unset options as null (`"duration": null`); job files leave them out. */
function withoutNulls(value: unknown): unknown {
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null));
}
