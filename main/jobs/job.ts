/** A job as loaded from a job file (SPEC 3.4). */
import type { ActionSpec } from '../actions/spec.js';
import type { ConditionSpec } from '../conditions/spec.js';
import type { ProgramSpec } from '../programs/spec.js';
import type { ScheduleItem } from '../schedules/types.js';

export interface Job {
  jobId: string;
  /** Path relative to the job folder with `/` separators; null for ad hoc jobs. */
  file: string | null;
  /** Sorted parameter names. */
  params: string[];
  schedules: ScheduleItem[];
  program: ProgramSpec;
  conditions: ConditionSpec[];
  actions: ActionSpec[];
  metadata: Record<string, unknown>;
  adHoc: boolean;
  /**
   * Canonical JSON of the job's definition (params, schedules, program, conditions, actions, metadata), so
   * that a reload can tell changed jobs from unchanged ones (SPEC 10.3).
   */
  definition: string;
}

/** Labels from `metadata.labels` (SPEC 10.1). */
export function jobLabels(job: Job): string[] {
  const labels = job.metadata['labels'];
  return Array.isArray(labels) ? labels.map(String) : [];
}
