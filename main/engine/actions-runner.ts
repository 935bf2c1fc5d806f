/**
 * Actions on transitions (SPEC 9, 19.8). Each action a transition fires is recorded as pending in the same commit as
 * the transition (an outbox), performed once that commit is done, on a snapshot of the run, and forgotten in the
 * commit of its effect: for a schedule action the commit that records the run it made, so after a crash the action
 * is performed again exactly when its run was not recorded, and never twice. Actions recorded and not performed when
 * the engine stopped are performed at the next start (at least once). An expected run's actions are not recorded:
 * the run itself lives in memory only and fires them again when it is made again.
 */
import type { ActionSpec } from '../actions/spec.js';
import { instanceStr } from '../conditions/bind.js';
import { isTemplated } from '../jobs/templated.js';
import type { PendingAction } from '../store/run-store.js';
import { renderTemplate } from '../templating/index.js';
import type { Engine } from './engine.js';
import { fromRecord, toRecord, type Args, type Run } from './run.js';

export class ActionRunner {
  constructor(private readonly engine: Engine) {
    engine.onMove((run) => this.fire(run));
  }

  /** Records the actions of `run` whose `if` matches its new state, and performs each once its record is committed. */
  private fire(run: Run): void {
    const state = run.state;
    const time = run.times[state] ?? run.timestamp;
    for (const [i, action] of run.actions.entries()) {
      if (!action.if.states.includes(state)) continue;
      const pending: PendingAction = {
        key: `${run.runId}/${state}/${time}/${i}`,
        run_id: run.runId,
        action,
        snapshot: toRecord(structuredClone(run)),
      };
      const durable = !run.expected;
      if (durable) this.engine.store.addPendingAction(pending);
      this.engine.afterCommit(() => this.perform(pending, durable));
    }
  }

  /**
   * Performs the actions a previous engine left pending (SPEC 19.8), oldest first: the list as read at start, before
   * restore fired new ones (those are performed after their own commit).
   */
  resume(pending: readonly PendingAction[]): void {
    for (const action of pending) this.perform(action, true);
  }

  private perform(pending: PendingAction, durable: boolean): void {
    const engine = this.engine;
    const action = pending.action as ActionSpec;
    const snapshot = fromRecord(pending.snapshot);
    const done = (): void => {
      if (durable) engine.store.removePendingAction(pending.key);
    };
    engine.countTask('num_action', 1);
    void run(engine, action, snapshot, () => engine.atomic(done))
      .catch((e: unknown) => {
        engine.atomic(() => {
          const target = engine.runs.get(pending.run_id);
          if (target !== undefined)
            engine.log(target, `error: ${e instanceof Error ? e.message : String(e)}`);
          done();
        });
      })
      .finally(() => engine.countTask('num_action', -1));
  }
}

/** Performs one action; `done` is called in the same batch as the action's effect. */
async function run(engine: Engine, action: ActionSpec, snapshot: Run, done: () => void): Promise<void> {
  switch (action.type) {
    case 'schedule':
      engine.atomic(() => {
        scheduleAction(engine, action.job_id, action.args, snapshot);
        done();
      });
      return;
    case 'apsis.actions.test.SleepThreadAction':
      await engine.clock.sleepUntil(engine.clock.now() + (action.duration ?? 0) * 1000);
      done();
      return;
    case 'apsis.actions.test.ErrorThreadAction':
      throw new Error(`test action error for ${snapshot.runId}`);
    case 'apsis.actions.test.CheckLabelAction':
      if (action.label !== undefined && !snapshot.labels.includes(action.label))
        throw new Error(`run ${snapshot.runId} lacks label ${action.label}`);
      done();
      return;
  }
}

function scheduleAction(engine: Engine, jobId: string, templated: Args, trigger: Run): void {
  const target = engine.job(jobId);
  if (target === undefined) throw new Error(`action: no job ${jobId}`);
  const args: Args = {};
  for (const [k, v] of Object.entries(templated)) {
    if (!isTemplated(v)) {
      args[k] = v;
      continue;
    }
    const r = renderTemplate(v, trigger.args);
    if (!r.ok) throw new Error(`action arg ${k}: ${r.error.message}`);
    args[k] = r.value;
  }
  // Params the action does not set come from the triggering run's args of the same name (SPEC 9.2).
  for (const p of target.params) if (!(p in args) && p in trigger.args) args[p] = trigger.args[p] as string;
  const created = engine.createRun(jobId, args, { notes: [`scheduled by action of ${trigger.runId}`] });
  const live = engine.runs.get(trigger.runId);
  if (live !== undefined)
    engine.log(live, `action scheduling ${instanceStr(jobId, created.args)} as ${created.runId}`);
}
