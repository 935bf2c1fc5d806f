/** Run states (SPEC 11.2). */
export const RUN_STATES = [
  'new',
  'scheduled',
  'waiting',
  'starting',
  'running',
  'stopping',
  'success',
  'failure',
  'error',
  'skipped',
] as const;

export type RunState = (typeof RUN_STATES)[number];

export const FINISHED_STATES = [
  'success',
  'failure',
  'error',
  'skipped',
] as const satisfies readonly RunState[];

export function isRunState(s: unknown): s is RunState {
  return typeof s === 'string' && (RUN_STATES as readonly string[]).includes(s);
}

export function isFinished(s: RunState): boolean {
  return (FINISHED_STATES as readonly string[]).includes(s);
}

/**
 * The automatic moves (SPEC 11.2): target state ← allowed source states. This table is the model of the machine for
 * conditions (8.3 `exist` reachability); the moves an operator or a recovery makes outside it are in OFF_TABLE_MOVES.
 */
export const TRANSITIONS = {
  new: [],
  scheduled: ['new'],
  waiting: ['scheduled'],
  starting: ['scheduled', 'waiting'],
  running: ['starting'],
  stopping: ['running'],
  success: ['running', 'stopping'],
  failure: ['running', 'stopping'],
  error: ['new', 'scheduled', 'waiting', 'starting', 'running', 'stopping', 'skipped'],
  skipped: ['new', 'scheduled', 'waiting'],
} as const satisfies Record<RunState, readonly RunState[]>;

/** Why a run moves: `auto` follows TRANSITIONS; the others are the named moves of OFF_TABLE_MOVES. */
export type MoveCause = 'auto' | 'mark' | 'skip_duplicate' | 'restore';

/**
 * Every move outside the automatic table, with its cause (SPEC 11.2), and nothing else: `mark` (an operator moves a
 * finished run to another finished state, 11.4), `skip_duplicate` (a waiting run goes to the condition's
 * target_state, 8.4), `restore` (after a crash, a run left starting, running or stopping ends in error, 12.3).
 */
export const OFF_TABLE_MOVES = {
  mark: { from: FINISHED_STATES, to: FINISHED_STATES },
  skip_duplicate: { from: ['waiting'], to: FINISHED_STATES },
  restore: { from: ['starting', 'running', 'stopping'], to: ['error'] },
} as const satisfies Record<
  Exclude<MoveCause, 'auto'>,
  { from: readonly RunState[]; to: readonly RunState[] }
>;

/** Whether `cause` allows a run in `from` to move to `to`; a mark must change the state. */
export function isLegalMove(from: RunState, to: RunState, cause: MoveCause): boolean {
  if (cause === 'auto') return (TRANSITIONS[to] as readonly RunState[]).includes(from);
  const move = OFF_TABLE_MOVES[cause];
  return (
    (move.from as readonly RunState[]).includes(from) &&
    (move.to as readonly RunState[]).includes(to) &&
    (cause !== 'mark' || from !== to)
  );
}

/** States reachable from `from` (itself included) through the automatic table only (never marks or restores). */
export function reachableFrom(from: RunState): Set<RunState> {
  const seen = new Set<RunState>([from]);
  const queue: RunState[] = [from];
  for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
    for (const to of RUN_STATES) {
      if (!seen.has(to) && (TRANSITIONS[to] as readonly RunState[]).includes(s)) {
        seen.add(to);
        queue.push(to);
      }
    }
  }
  return seen;
}
