/**
 * Waiting runs and their conditions (SPEC 8.1): evaluated in order, satisfied conditions latched, and
 * re-checked on transitions of the runs they watch, never by polling. The non-monotonic max_running is
 * re-checked in the same synchronous step as the move to `starting`, so no two runs slip through a limit.
 */
import type { RunState } from '../../shared/model/states.js';
import { conditionStr, instanceStr, type BoundCondition } from '../conditions/bind.js';
import type { Engine } from './engine.js';
import { runNumber } from '../store/run-record.js';
import type { Run } from './run.js';

type Verdict =
  | { kind: 'satisfied' }
  | { kind: 'wait' }
  | { kind: 'transition'; to: RunState; message: string; cause: 'auto' | 'skip_duplicate' };

interface WaitState {
  run: Run;
  /** Index of the first condition not yet satisfied. */
  next: number;
  /** The job whose transitions can change the current condition's verdict, if any. */
  watching: string | null;
  abort: AbortController;
  /** The run-log line of its wait for a remote slot, once logged. */
  slot?: string;
}

export class Waiter {
  private readonly waiting = new Map<string, WaitState>();
  /** Job ID → waiting runs whose current condition watches that job. */
  private readonly watchers = new Map<string, Set<string>>();
  private readonly queue = new Set<string>();
  /** Runs whose conditions hold, waiting for a slot on a remote host. */
  private readonly slotWaiters = new Set<string>();
  private draining = false;

  constructor(private readonly engine: Engine) {
    // Conditions that watch other runs are re-checked on every transition of a matching run (SPEC 8.1).
    engine.onMove((run) => this.onTransition(run));
  }

  get size(): number {
    return this.waiting.size;
  }

  /** Number of watcher subscriptions (the run store's `num_queues`). */
  get numWatchers(): number {
    let n = 0;
    for (const set of this.watchers.values()) n += set.size;
    return n;
  }

  /**
   * A due run: straight to starting without conditions, else to waiting (SPEC 11.3 step 4). `startAt`: the schedule
   * time of a run whose launch begins ahead of it (the scheduler's LAUNCH_LEAD_MS).
   */
  admit(run: Run, startAt?: number): void {
    if (run.conds.length === 0 && (this.engine.deps.remote?.claim(run) ?? null) === null) {
      this.engine.startProgram(run, startAt);
      return;
    }
    this.engine.transition(run, 'waiting');
    this.resume(run, run.times['waiting'] ?? this.engine.clock.now());
  }

  /** Starts (or restarts after a restore) the wait of a run already in `waiting`, from its first condition. */
  resume(run: Run, waitingSince: number): void {
    const state: WaitState = { run, next: 0, watching: null, abort: new AbortController() };
    this.waiting.set(run.runId, state);
    this.engine.countTask('num_waiting', 1);
    const maxTime = this.engine.deps.settings.waiting.max_time;
    if (maxTime !== null) {
      this.engine.clock.sleepUntil(waitingSince + maxTime * 1000, state.abort.signal).then(
        () => {
          if (run.state !== 'waiting') return;
          const cond = run.conds[state.next];
          this.cancel(run);
          this.engine.transition(run, 'error', {
            message: `waiting for ${cond === undefined ? 'conditions' : conditionStr(cond)}: timeout after ${maxTime} s`,
          });
        },
        () => {},
      );
    }
    this.announce(state);
    this.enqueue(run.runId);
  }

  /** Drops every wait without transitions (engine shutdown). */
  close(): void {
    for (const state of this.waiting.values()) state.abort.abort(new Error('engine closed'));
    this.waiting.clear();
    this.watchers.clear();
    this.slotWaiters.clear();
  }

  /** Stops waiting (start override, skip, timeout). */
  cancel(run: Run): void {
    const state = this.waiting.get(run.runId);
    if (state === undefined) return;
    this.waiting.delete(run.runId);
    this.slotWaiters.delete(run.runId);
    this.unwatch(state);
    state.abort.abort(new Error('done waiting'));
    this.engine.countTask('num_waiting', -1);
  }

  /** Re-checks the waiting runs that watch the job of a run that moved. */
  private onTransition(run: Run): void {
    const ids = this.watchers.get(run.jobId);
    if (ids !== undefined) for (const id of ids) if (id !== run.runId) this.enqueue(id);
  }

  private enqueue(runId: string): void {
    this.queue.add(runId);
    if (this.draining) return;
    this.draining = true;
    try {
      // One run at a time, in run order, so each sees the others' states (SPEC 8.4 race); one commit for all.
      this.engine.atomic(() => {
        while (this.queue.size > 0) {
          const ids = [...this.queue].sort((a, b) => (runNumber(a) ?? 0) - (runNumber(b) ?? 0));
          this.queue.clear();
          for (const id of ids) this.check(id);
        }
      });
    } finally {
      this.draining = false;
    }
  }

  private check(runId: string): void {
    const state = this.waiting.get(runId);
    if (state === undefined) return;
    const { run } = state;
    while (state.next < run.conds.length) {
      const cond = run.conds[state.next] as BoundCondition;
      const verdict = this.evaluate(run, cond);
      if (verdict.kind === 'wait') {
        this.watch(state, cond);
        return;
      }
      if (verdict.kind === 'transition') {
        this.cancel(run);
        this.engine.log(run, verdict.message);
        this.engine.transition(run, verdict.to, { cause: verdict.cause });
        return;
      }
      state.next += 1;
      this.unwatch(state);
      if (state.next < run.conds.length) this.announce(state);
    }
    // Every condition holds; max_running is not a latch, so check it again in this same step.
    for (const [i, cond] of run.conds.entries()) {
      if (cond.type === 'max_running' && this.evaluate(run, cond).kind !== 'satisfied') {
        state.next = i;
        this.watch(state, cond);
        return;
      }
    }
    // Last, a slot on the remote host it runs on (SPEC 24.2 remote.max_running): waits in run order as slots free.
    const slot = this.engine.deps.remote?.claim(run) ?? null;
    if (slot !== null) {
      if (state.slot !== slot) this.engine.log(run, slot);
      state.slot = slot;
      this.slotWaiters.add(runId);
      return;
    }
    this.cancel(run);
    this.engine.startProgram(run);
  }

  /** A slot freed on some remote host: runs waiting for one look again, in run order. */
  slotsFreed(): void {
    if (this.slotWaiters.size === 0) return;
    const ids = [...this.slotWaiters];
    this.slotWaiters.clear();
    for (const id of ids) this.enqueue(id);
  }

  private announce(state: WaitState): void {
    const cond = state.run.conds[state.next];
    if (cond !== undefined) this.engine.log(state.run, `waiting until: ${conditionStr(cond)}`);
  }

  private evaluate(run: Run, cond: BoundCondition): Verdict {
    const runs = this.engine.runs;
    switch (cond.type) {
      case 'const':
        return cond.value ? { kind: 'satisfied' } : { kind: 'wait' };
      case 'max_running': {
        let n = 0;
        for (const r of runs.matching(cond.job_id, cond.args))
          if (r !== run && (r.state === 'starting' || r.state === 'running')) n += 1;
        return n < cond.count ? { kind: 'satisfied' } : { kind: 'wait' };
      }
      case 'dependency': {
        const matches = [...runs.ofInstance(cond.job_id, cond.args)];
        if (matches.some((r) => cond.states.includes(r.state))) return { kind: 'satisfied' };
        const exist = cond.exist;
        if (exist !== undefined && !matches.some((r) => exist.includes(r.state)))
          return {
            kind: 'transition',
            to: 'error',
            message: `no dependency ${instanceStr(cond.job_id, cond.args)} exists in ${exist.join('|')}`,
            cause: 'auto',
          };
        return { kind: 'wait' };
      }
      case 'skip_duplicate': {
        for (const r of runs.ofInstance(run.jobId, run.args))
          if (r !== run && cond.check_states.includes(r.state))
            return {
              kind: 'transition',
              to: cond.target_state,
              message: `transitioning to ${cond.target_state} because ${r.runId} ${r.state}`,
              cause: 'skip_duplicate',
            };
        return { kind: 'satisfied' };
      }
    }
  }

  private watch(state: WaitState, cond: BoundCondition): void {
    const jobId = cond.type === 'max_running' || cond.type === 'dependency' ? cond.job_id : null;
    if (state.watching === jobId) return;
    this.unwatch(state);
    state.watching = jobId;
    if (jobId === null) return;
    let set = this.watchers.get(jobId);
    if (set === undefined) this.watchers.set(jobId, (set = new Set()));
    set.add(state.run.runId);
  }

  private unwatch(state: WaitState): void {
    if (state.watching === null) return;
    const set = this.watchers.get(state.watching);
    set?.delete(state.run.runId);
    if (set?.size === 0) this.watchers.delete(state.watching);
    state.watching = null;
  }
}
