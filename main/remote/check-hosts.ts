/**
 * `apsis check` on hosts (SPEC 24.3): a literal `host` (or Procstar `group_id`) that names no group of host_groups is
 * a warning, not an error, since it may be a name ssh knows.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, LineCounter, parseDocument } from 'yaml';
import type { Problem } from '../../shared/model/problem.js';
import type { Job } from '../jobs/job.js';
import { isTemplated } from '../jobs/templated.js';
import type { HostGroup } from './host-groups.js';

/** Warnings for the jobs of `dir` whose literal host is not a group of `groups`. */
export function hostWarnings(dir: string, jobs: Iterable<Job>, groups: Record<string, HostGroup>): Problem[] {
  const out: Problem[] = [];
  for (const job of jobs) {
    const program = job.program;
    if (job.file === null || !('command' in program || 'argv' in program)) continue;
    const key = program.host !== undefined ? 'host' : program.group_id !== undefined ? 'group_id' : null;
    const name = program.host ?? program.group_id;
    if (key === null || name === undefined || isTemplated(name) || groups[name] !== undefined) continue;
    // Procstar's default group is this host unless host_groups defines it (SPEC 6.1).
    if (key === 'group_id' && name === 'default') continue;
    out.push({
      path: job.file,
      ...position(join(dir, job.file), key),
      message:
        `warning: ${key} '${name}' is not a group of host_groups, so it is passed to ssh as a host name; ` +
        'define the group in the settings, or leave it if ssh knows that host',
    });
  }
  return out;
}

/** Line and column of `program.KEY`'s value in the job file, when it can be found. */
function position(path: string, key: string): { line: number | null; col: number | null } {
  try {
    const counter = new LineCounter();
    const doc = parseDocument(readFileSync(path, 'utf8'), { lineCounter: counter, uniqueKeys: false });
    const program = doc.get('program', true);
    const node = isMap(program) ? program.get(key, true) : undefined;
    const offset = (node as { range?: [number, number, number] } | undefined)?.range?.[0];
    if (offset === undefined) return { line: null, col: null };
    const { line, col } = counter.linePos(offset);
    return { line, col };
  } catch {
    return { line: null, col: null };
  }
}
