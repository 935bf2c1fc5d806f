/**
 * Actions on transitions (SPEC 9, 19.8). Each action a transition fires is recorded as pending in the same commit as
 * the transition (an outbox), performed once that commit is done, on a snapshot of the run, and forgotten in the
 * commit of its effect: for a schedule action the commit that records the run it made, so after a crash the action
 * is performed again exactly when its run was not recorded, and never twice. Actions recorded and not performed when
 * the engine stopped are performed at the next start (at least once). An expected run's actions are not recorded:
 * the run itself lives in memory only and fires them again when it is made again.
 */
import { alertFacts, DeliveryStopped, type Delivery } from '../actions/alerts.js';
import { performEmail } from '../actions/email.js';
import type { ActionSpec } from '../actions/spec.js';
import { performWebhook } from '../actions/webhook.js';
import { templateOptions } from '../jobs/template-options.js';
import { instanceStr } from '../conditions/bind.js';
import { isTemplated } from '../jobs/templated.js';
import type { PendingAction } from '../store/run-store.js';
import { outputBytes } from '../store/output-codec.js';
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
    void run(engine, action, snapshot, pending.key, () => engine.atomic(done))
      .catch((e: unknown) => {
        // Stopped by a shutdown: the action stays pending and is performed again at the next start.
        if (e instanceof DeliveryStopped) return;
        engine.atomic(() => {
          engine.logRun(pending.run_id, `error: ${e instanceof Error ? e.message : String(e)}`);
          done();
        });
      })
      .finally(() => engine.countTask('num_action', -1));
  }
}

/** Performs one action; `done` is called in the same batch as the action's effect. */
async function run(
  engine: Engine,
  action: ActionSpec,
  snapshot: Run,
  key: string,
  done: () => void,
): Promise<void> {
  switch (action.type) {
    case 'schedule':
      engine.atomic(() => {
        scheduleAction(engine, action.job_id, action.args, snapshot);
        done();
      });
      return;
    case 'webhook':
    case 'email': {
      // The record of the last attempt and the end of the pending action go in one commit: a crash before it repeats
      // the delivery with the same key (at least once, SPEC 19.8).
      const facts = alertFacts(snapshot, outputOf(engine, snapshot.runId));
      const delivery: Delivery = {
        clock: engine.clock,
        stop: engine.lifetimeSignal,
        log: (message) => engine.logRun(snapshot.runId, message),
      };
      const templates = templateOptions(engine.deps.settings.calendars_dir);
      if (action.type === 'webhook') await performWebhook(action, facts, key, delivery, templates);
      else await performEmail(action, facts, key, engine.deps.settings.smtp, delivery, templates);
      done();
      return;
    }
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

/** The run's output now: live while it is written, else as stored; undefined when it has none. */
function outputOf(engine: Engine, runId: string): Buffer | undefined {
  const live = engine.liveOutput(runId);
  if (live !== undefined) return live.bytes();
  const stored = engine.store.readOutput(runId, 'output');
  return stored === undefined ? undefined : outputBytes(stored);
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
