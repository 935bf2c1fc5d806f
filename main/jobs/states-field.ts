/** Reading run-state names and lists from job files. */
import { quoted } from '../../shared/model/clip.js';
import { FINISHED_STATES, isRunState, RUN_STATES, type RunState } from '../../shared/model/states.js';
import { didYouMean } from './did-you-mean.js';
import { oneOrList, readString } from './values.js';
import type { FileContext, Value } from './yaml-reader.js';

/** A state name; `finished` restricts it to success, failure, error, skipped. */
export function readState(
  ctx: FileContext,
  node: Value,
  what: string,
  finished = false,
): RunState | undefined {
  const name = readString(ctx, node, what);
  if (name === undefined) return undefined;
  const allowed: readonly string[] = finished ? FINISHED_STATES : RUN_STATES;
  if (isRunState(name) && allowed.includes(name)) return name;
  const hint = didYouMean(name, allowed);
  ctx.error(
    node,
    `${what}: ${quoted(name)} is not ${finished ? 'a finished state' : 'a run state'}${hint === null ? '' : ` (did you mean ${quoted(hint)}?)`}; use ${allowed.join(', ')}`,
  );
  return undefined;
}

/** One state or a list of states. */
export function readStates(ctx: FileContext, node: Value, what: string): RunState[] | undefined {
  const states: RunState[] = [];
  let ok = true;
  for (const item of oneOrList(node, ctx)) {
    const s = readState(ctx, item, what);
    if (s === undefined) ok = false;
    else if (!states.includes(s)) states.push(s);
  }
  return ok ? states : undefined;
}
