/**
 * What `webhook` and `email` actions share (SPEC 19.8): the facts of the run they report, their templates, and the
 * delivery loop: 4 attempts (the first and 3 retries, waiting 1 s, 5 s and 25 s between), each cut off after 5 s,
 * each written to the run log. Time comes from the engine's clock, so tests drive the waits.
 */
import type { Clock } from '../engine/clock.js';
import type { Run } from '../engine/run.js';
import { renderTemplate, type TemplateOptions } from '../templating/index.js';

/** Attempts of one delivery, and the waits before the 2nd, 3rd and 4th. */
export const ATTEMPTS = 4;
export const BACKOFF_S = [1, 5, 25] as const;
/** One attempt is given up after this long (SPEC 19.8). */
export const ATTEMPT_TIMEOUT_MS = 5000;
/** The end of the output an alert carries. */
export const OUTPUT_TAIL_BYTES = 4096;

/** The facts an alert names (the webhook's JSON body; the email's text). */
export interface AlertFacts {
  run_id: string;
  job_id: string;
  args: Record<string, string>;
  state: string;
  /** State name (and schedule, stop) → ISO time. */
  times: Record<string, string>;
  /** The last 4 KiB of the output, as UTF-8 (a character cut at the start is replaced). */
  output: string;
  /** The whole output's length in bytes. */
  output_length: number;
}

export function alertFacts(run: Run, output: Buffer | undefined): AlertFacts {
  const times: Record<string, string> = {};
  for (const [k, v] of Object.entries(run.times)) times[k] = new Date(v).toISOString();
  const bytes = output ?? Buffer.alloc(0);
  return {
    run_id: run.runId,
    job_id: run.jobId,
    args: run.args,
    state: run.state,
    times,
    output: bytes.subarray(Math.max(0, bytes.length - OUTPUT_TAIL_BYTES)).toString('utf8'),
    output_length: bytes.length,
  };
}

/** A failure that another attempt cannot mend (a template error, missing settings): no retry. */
export class PermanentAlertError extends Error {}

/** The engine is shutting down: the delivery stops and stays pending for the next start (at least once). */
export class DeliveryStopped extends Error {
  constructor() {
    super('the engine is shutting down');
  }
}

class AttemptTimeout extends Error {
  constructor() {
    super(`no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`);
  }
}

/** Renders an alert template with the run's names (SPEC 19.8: args, run_id, job_id, state; args override). */
export function renderAlert(
  source: string,
  facts: AlertFacts,
  what: string,
  options: TemplateOptions,
): string {
  const names = { run_id: facts.run_id, job_id: facts.job_id, state: facts.state, ...facts.args };
  const r = renderTemplate(source, names, options);
  if (!r.ok) throw new PermanentAlertError(`${what}: ${r.error.message}`);
  return r.value;
}

export interface Delivery {
  clock: Clock;
  /** Aborted when the engine shuts down. */
  stop: AbortSignal;
  /** Appends to the run's log. */
  log(message: string): void;
}

/**
 * Performs `attempt` up to ATTEMPTS times until it resolves (its text is logged as the outcome), logging each failure
 * and waiting the backoff between; throws naming the last failure once every attempt failed, at once on a
 * PermanentAlertError, and DeliveryStopped when the engine shuts down meanwhile.
 */
export async function deliver(
  what: string,
  d: Delivery,
  attempt: (signal: AbortSignal) => Promise<string>,
): Promise<void> {
  let last = '';
  for (let i = 1; i <= ATTEMPTS; i += 1) {
    try {
      const outcome = await timed(d, attempt);
      d.log(`${what}: attempt ${i} of ${ATTEMPTS}: ${outcome}`);
      return;
    } catch (e) {
      if (e instanceof DeliveryStopped || e instanceof PermanentAlertError) throw e;
      last = e instanceof Error ? e.message : String(e);
    }
    const wait = BACKOFF_S[i - 1];
    d.log(
      `${what}: attempt ${i} of ${ATTEMPTS} failed: ${last}${wait === undefined ? '' : `; next in ${wait} s`}`,
    );
    if (wait !== undefined)
      await d.clock.sleepUntil(d.clock.now() + wait * 1000, d.stop).catch(() => {
        throw new DeliveryStopped();
      });
  }
  throw new Error(`${what} failed after ${ATTEMPTS} attempts: ${last}`);
}

/** One attempt, aborted after ATTEMPT_TIMEOUT_MS by the engine's clock, or at shutdown. */
async function timed(d: Delivery, attempt: (signal: AbortSignal) => Promise<string>): Promise<string> {
  if (d.stop.aborted) throw new DeliveryStopped();
  const abort = new AbortController();
  const timer = new AbortController();
  const onStop = (): void => abort.abort(new DeliveryStopped());
  d.stop.addEventListener('abort', onStop, { once: true });
  d.clock.sleepUntil(d.clock.now() + ATTEMPT_TIMEOUT_MS, timer.signal).then(
    () => abort.abort(new AttemptTimeout()),
    () => {},
  );
  try {
    return await attempt(abort.signal);
  } catch (e) {
    // An aborted request rejects with an AbortError: say why it was aborted.
    if (abort.signal.aborted) throw abort.signal.reason as Error;
    throw e;
  } finally {
    timer.abort();
    d.stop.removeEventListener('abort', onStop);
  }
}
