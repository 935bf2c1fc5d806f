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

/** Target state ← allowed source states; forced transitions (mark, internal errors) bypass it. */
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

/** States reachable from `from` (itself included) through the transition table. */
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
