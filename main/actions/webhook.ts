/**
 * `webhook` actions (SPEC 19.8): a POST of the run's facts as JSON (or the action's rendered `body`) with the outbox key
 * as `Idempotency-Key`, so a receiver can recognise a repeat after a crash. Redirects are not followed (a POST turned
 * into a GET elsewhere is not a delivery). The run log names the URL's origin only: paths of webhook URLs often hold
 * their secret.
 */
import type { TemplateOptions } from '../templating/index.js';
import { deliver, renderAlert, type AlertFacts, type Delivery } from './alerts.js';
import type { WebhookActionSpec } from './spec.js';

/** Most bytes of a rendered body. */
const MAX_BODY_BYTES = 1024 * 1024;

/** Performs the webhook, retrying as `deliver` does; resolves once delivered, throws once given up. */
export async function performWebhook(
  action: WebhookActionSpec,
  facts: AlertFacts,
  key: string,
  d: Delivery,
  templates: TemplateOptions,
): Promise<void> {
  const body =
    action.body === undefined
      ? JSON.stringify(facts)
      : renderAlert(action.body, facts, 'webhook body', templates);
  if (Buffer.byteLength(body) > MAX_BODY_BYTES)
    throw new Error(`webhook body renders to over ${MAX_BODY_BYTES} bytes`);
  const what = `webhook to ${new URL(action.url).origin}`;
  const headers = new Headers({ 'content-type': 'application/json' });
  for (const [name, value] of Object.entries(action.headers)) headers.set(name, value);
  headers.set('idempotency-key', key);
  await deliver(what, d, async (signal) => {
    let res: Response;
    try {
      res = await fetch(action.url, { method: 'POST', headers, body, redirect: 'manual', signal });
    } catch (e) {
      throw reason(e);
    }
    await res.body?.cancel();
    const status = `HTTP ${res.status}${res.statusText === '' ? '' : ` ${res.statusText}`}`;
    if (res.status >= 200 && res.status < 300) return status;
    throw new Error(
      res.status >= 300 && res.status < 400 ? `${status} (redirects are not followed)` : status,
    );
  });
}

/** fetch's own message is `fetch failed`; what went wrong (`connect ECONNREFUSED ...`) is its cause. */
function reason(e: unknown): unknown {
  if (!(e instanceof Error) || !(e.cause instanceof Error)) return e;
  return new Error(e.cause.message);
}
