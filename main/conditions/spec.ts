/** Condition specifications as written in job files (SPEC 8); templated fields stay unrendered. */
import type { RunState } from '../../shared/model/states.js';

export interface MaxRunningSpec {
  type: 'max_running';
  count: number | string;
  job_id?: string;
  args?: Record<string, string>;
}

export interface DependencySpec {
  type: 'dependency';
  job_id: string;
  args: Record<string, string>;
  states: RunState[];
  /** Expanded: `true` becomes every state from which one of `states` can still be reached. */
  exist?: RunState[];
}

export interface SkipDuplicateSpec {
  type: 'skip_duplicate';
  check_states: RunState[];
  target_state: RunState;
}

export interface ConstSpec {
  type: 'const';
  value: boolean;
}

export type ConditionSpec = MaxRunningSpec | DependencySpec | SkipDuplicateSpec | ConstSpec;
