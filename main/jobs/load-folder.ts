/**
 * Loads a job folder: every file parsed on its own, then the checks that need the whole folder (job
 * references) and the binding of templates with each schedule's first occurrence (SPEC 10.2). One bad file
 * never stops the others (SPEC 3.3).
 */
import { readFileSync, statSync } from 'node:fs';
import type { Problem } from '../../shared/model/problem.js';
import { sortProblems } from '../../shared/model/problem.js';
import type { ScheduleOptions } from '../schedules/parse.js';
import type { Job } from './job.js';
import { checkJobTemplates, checkReferences } from './job-checks.js';
import { parseJobFile, type ParsedFile } from './parse-job.js';
import { MAX_PROBLEMS_PER_FILE } from './yaml-reader.js';
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

/**
 * Largest job file read, as large as the largest request body the API takes (an ad hoc job). A job file is a
 * few kilobytes; reading YAML costs about a second per megabyte at worst, and a file this big is a mistake.
 */
export const MAX_JOB_FILE_BYTES = 1024 * 1024;

const INTERNAL_MESSAGE =
  'Apsis Console failed while reading this file: this is a bug, please report it with the file; the other files are not affected';

/** The text of a job file: UTF-8, at most MAX_JOB_FILE_BYTES. */
function readJobFile(absPath: string): { ok: true; value: string } | { ok: false; message: string } {
  let bytes: Buffer;
  try {
    const size = statSync(absPath).size;
    if (size > MAX_JOB_FILE_BYTES)
      return {
        ok: false,
        message: `the file is ${size} bytes; a job file may be at most ${MAX_JOB_FILE_BYTES} bytes (1 MiB); is it a job file?`,
      };
    bytes = readFileSync(absPath);
  } catch (e) {
    return { ok: false, message: `cannot read the file: ${(e as Error).message}` };
  }
  if (bytes.length > MAX_JOB_FILE_BYTES)
    return {
      ok: false,
      message: `the file is over ${MAX_JOB_FILE_BYTES} bytes (1 MiB); is it a job file?`,
    };
  try {
    return { ok: true, value: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { ok: false, message: 'the file is not valid UTF-8; save it as UTF-8' };
  }
}

/** Loads every job file under `dir`. */
export function loadJobFolder(dir: string, options: LoadOptions): LoadResult {
  const listing = listJobFiles(dir);
  const parsed: ParsedFile[] = [];
  const warnings: Problem[] = [];
  const problems: Problem[] = [];
  const failed = new Set<string>();
  const notes = [...listing.notes];
  /** A throw while reading one file is a bug of ours: that file gets a problem, the others load (SPEC 3.3). */
  const internal = (path: string, e: unknown): void => {
    problems.push({ path, line: null, col: null, message: INTERNAL_MESSAGE });
    failed.add(jobIdOf(path));
    notes.push(`${path}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  };
  for (const file of listing.files) {
    const jobId = jobIdOf(file.relPath);
    const text = readJobFile(file.absPath);
    if (!text.ok) {
      problems.push({ path: file.relPath, line: null, col: null, message: text.message });
      failed.add(jobId);
      continue;
    }
    try {
      const p = parseJobFile(file.relPath, jobId, text.value, options);
      const found = yaml11Warnings(p.ctx);
      for (const w of found.slice(0, MAX_PROBLEMS_PER_FILE)) warnings.push(w);
      if (found.length > MAX_PROBLEMS_PER_FILE)
        notes.push(
          `${file.relPath}: ${found.length - MAX_PROBLEMS_PER_FILE} more YAML 1.1 warnings not shown`,
        );
      parsed.push(p);
    } catch (e) {
      internal(file.relPath, e);
    }
  }
  const known = new Map<string, Job>();
  for (const p of parsed) {
    const jobId = jobIdOf(p.ctx.path);
    if (p.job === null) failed.add(jobId);
    else known.set(jobId, p.job);
  }
  const jobs = new Map<string, Job>();
  for (const p of parsed) {
    try {
      checkReferences(p, known, failed);
      checkJobTemplates(p, options.now, options.calendarsDir);
    } catch (e) {
      internal(p.ctx.path, e);
      continue;
    }
    if (p.ctx.problems.length > 0) {
      for (const problem of p.ctx.problems) problems.push(problem);
      if (p.ctx.dropped > 0)
        problems.push({
          path: p.ctx.path,
          line: null,
          col: null,
          message: `${p.ctx.dropped} more problems in this file are not shown; fix the ones below first`,
        });
      failed.add(jobIdOf(p.ctx.path));
    } else if (p.job !== null) jobs.set(p.job.jobId, p.job);
  }
  return {
    jobs,
    problems: sortProblems(problems),
    failed,
    warnings: sortProblems(warnings),
    notes,
  };
}
