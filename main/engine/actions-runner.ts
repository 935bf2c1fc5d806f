/** Actions on transitions (SPEC 9): each matching action runs in the background on a snapshot of the run. */
import type { ActionSpec } from '../actions/spec.js';
import { instanceStr } from '../conditions/bind.js';
import { isTemplated } from '../jobs/templated.js';
import { renderTemplate } from '../templating/index.js';
import type { Engine } from './engine.js';
import type { Args, Run } from './run.js';

/** Fires the actions of `run` whose `if` matches its new state. */
export function runActions(engine: Engine, run: Run): void {
  for (const action of run.actions) {
    if (!action.if.states.includes(run.state)) continue;
    const snapshot: Run = structuredClone(run);
    engine.tasks.num_action += 1;
    void perform(engine, action, snapshot)
      .catch((e: unknown) => {
        const target = engine.runs.get(run.runId);
        if (target !== undefined) engine.log(target, `error: ${e instanceof Error ? e.message : String(e)}`);
      })
      .finally(() => {
        engine.tasks.num_action -= 1;
      });
  }
}

async function perform(engine: Engine, action: ActionSpec, run: Run): Promise<void> {
  // Let the transition that fired the action finish first (actions run in the background).
  await Promise.resolve();
  switch (action.type) {
    case 'schedule':
      scheduleAction(engine, action.job_id, action.args, run);
      return;
    case 'apsis.actions.test.SleepThreadAction':
      await engine.clock.sleepUntil(engine.clock.now() + (action.duration ?? 0) * 1000);
      return;
    case 'apsis.actions.test.ErrorThreadAction':
      throw new Error(`test action error for ${run.runId}`);
    case 'apsis.actions.test.CheckLabelAction':
      if (action.label !== undefined && !run.labels.includes(action.label))
        throw new Error(`run ${run.runId} lacks label ${action.label}`);
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
