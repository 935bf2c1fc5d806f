/**
 * Loads a job folder: every file parsed on its own, then the checks that need the whole folder (job
 * references) and the binding of templates with each schedule's first occurrence (SPEC 10.2). One bad file
 * never stops the others (SPEC 3.3).
 */
import { readFileSync } from 'node:fs';
import type { Problem } from '../../shared/model/problem.js';
import { sortProblems } from '../../shared/model/problem.js';
import type { ScheduleOptions } from '../schedules/parse.js';
import type { Job } from './job.js';
import { checkJobTemplates, checkReferences } from './job-checks.js';
import { parseJobFile, type ParsedFile } from './parse-job.js';
import { listJobFiles } from './walk.js';
import { yaml11Warnings } from './yaml11-warnings.js';

export interface LoadOptions extends ScheduleOptions {
  /** "Now" for first-occurrence checks (epoch ms). */
  now: number;
}

export interface LoadResult {
  /** Jobs whose files loaded without problems, by job ID. */
  jobs: Map<string, Job>;
  /** Problems, sorted by path, line, column. */
  problems: Problem[];
  /** Job IDs whose files have problems. */
  failed: Set<string>;
  /** Scalars that YAML 1.1 (Apsis) reads differently (SPEC D36); not problems. */
  warnings: Problem[];
  /** Notes about files that are not job files and folders that could not be read. */
  notes: string[];
}

/** The job ID of a relative job file path: `a/b/c.yaml` → `a/b/c`. */
export function jobIdOf(relPath: string): string {
  return relPath.slice(0, -'.yaml'.length);
}

/** Loads every job file under `dir`. */
export function loadJobFolder(dir: string, options: LoadOptions): LoadResult {
  const listing = listJobFiles(dir);
  const parsed: ParsedFile[] = [];
  const warnings: Problem[] = [];
  const problems: Problem[] = [];
  const failed = new Set<string>();
  for (const file of listing.files) {
    const jobId = jobIdOf(file.relPath);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file.absPath));
    } catch (e) {
      const message =
        e instanceof TypeError
          ? 'the file is not valid UTF-8; save it as UTF-8'
          : `cannot read the file: ${(e as Error).message}`;
      problems.push({ path: file.relPath, line: null, col: null, message });
      failed.add(jobId);
      continue;
    }
    const p = parseJobFile(file.relPath, jobId, text, options);
    warnings.push(...yaml11Warnings(p.ctx));
    parsed.push(p);
  }
  const known = new Map<string, Job>();
  for (const p of parsed) {
    const jobId = jobIdOf(p.ctx.path);
    if (p.job === null) failed.add(jobId);
    else known.set(jobId, p.job);
  }
  const jobs = new Map<string, Job>();
  for (const p of parsed) {
    checkReferences(p, known, failed);
    checkJobTemplates(p, options.now, options.calendarsDir);
    if (p.ctx.problems.length > 0) {
      problems.push(...p.ctx.problems);
      failed.add(jobIdOf(p.ctx.path));
    } else if (p.job !== null) jobs.set(p.job.jobId, p.job);
  }
  return {
    jobs,
    problems: sortProblems(problems),
    failed,
    warnings: sortProblems(warnings),
    notes: listing.notes,
  };
}
