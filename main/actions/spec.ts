/** Action specifications as written in job files (SPEC 9); stored unbound on runs. */
import type { RunState } from '../../shared/model/states.js';

/** `if: {states: [...]}`; a missing `if` means the finished states, shown explicitly (SPEC 9.1). */
export interface ActionCondition {
  states: RunState[];
}

export interface ScheduleActionSpec {
  type: 'schedule';
  job_id: string;
  /** Templates rendered with the triggering run's args. */
  args: Record<string, string>;
  if: ActionCondition;
}

/** Test-only actions (SPEC 9.4), accepted when APSIS_TEST_TYPES=1. */
export interface TestActionSpec {
  type:
    | 'apsis.actions.test.SleepThreadAction'
    | 'apsis.actions.test.ErrorThreadAction'
    | 'apsis.actions.test.CheckLabelAction';
  duration?: number;
  label?: string;
  if: ActionCondition;
}

export type ActionSpec = ScheduleActionSpec | TestActionSpec;
