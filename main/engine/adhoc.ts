/** Ad hoc jobs (SPEC 10.4): complete job objects sent with `POST /runs`, validated like job files. */
import { randomInt } from 'node:crypto';
import type { Problem } from '../../shared/model/problem.js';
import type { Job } from '../jobs/job.js';
import { checkJobTemplates, checkReferences } from '../jobs/job-checks.js';
import { parseJobFile } from '../jobs/parse-job.js';

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** `adhoc-` plus 12 random ASCII letters. */
export function adHocJobId(): string {
  let id = 'adhoc-';
  for (let i = 0; i < 12; i += 1) id += LETTERS[randomInt(LETTERS.length)] as string;
  return id;
}

/** Validates a job object; the job (marked ad hoc) or its problems (path `<ad hoc job>`). */
export function parseAdHocJob(
  jobId: string,
  definition: unknown,
  known: ReadonlyMap<string, Job>,
  now: number,
  calendarsDir: string | null,
): { ok: true; job: Job } | { ok: false; problems: Problem[] } {
  // JSON is YAML 1.2, so the job file parser reads it with the same rules and messages.
  const parsed = parseJobFile('<ad hoc job>', jobId, JSON.stringify(definition), { calendarsDir });
  checkReferences(parsed, known, new Set());
  checkJobTemplates(parsed, now, calendarsDir);
  if (parsed.ctx.problems.length > 0 || parsed.job === null)
    return { ok: false, problems: parsed.ctx.problems };
  return { ok: true, job: { ...parsed.job, file: null, adHoc: true } };
}
