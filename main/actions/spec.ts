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

/**
 * `webhook` (SPEC 19.8): a POST to `url` with a JSON body naming the run (or `body` rendered), the action's outbox key
 * as `Idempotency-Key`; retried with backoff, every attempt in the run log.
 */
export interface WebhookActionSpec {
  type: 'webhook';
  /** http: or https: */
  url: string;
  /** A template rendered with the run's args, run_id, job_id and state; absent: the JSON facts of the run. */
  body?: string;
  /** Extra request headers, as written. */
  headers: Record<string, string>;
  if: ActionCondition;
}

/** `email` (SPEC 19.8): a mail over SMTP (settings `smtp`) naming the run, the outbox key as its Message-ID. */
export interface EmailActionSpec {
  type: 'email';
  /** Recipient addresses. */
  to: string[];
  /** A template rendered like a webhook body; absent: `apsis: JOB RUN STATE`. */
  subject?: string;
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

export type ActionSpec = ScheduleActionSpec | WebhookActionSpec | EmailActionSpec | TestActionSpec;
