/**
 * What needs a person (SPEC 19.8): failures and errors in a window counted from the database (runs retired from memory
 * included), runs overdue for their stop, runs waiting longer than `waiting.warn_after`, unreachable hosts and job
 * files that do not load; each with the filter that opens exactly what it counts in the run list (GET /api/v1/runs
 * reads the database too when `since` is given, so the list and the count agree).
 */
import { ATTENTION_WINDOWS, type Attention, type AttentionWindow } from '../../shared/api/console-api.js';
import type { App } from '../engine/app.js';
import { badRequest, clip } from './inputs.js';

const WINDOW_MS: Record<AttentionWindow, number> = {
  '1h': 3_600_000,
  '24h': 24 * 3_600_000,
  '7d': 7 * 24 * 3_600_000,
};

/** The window a request names (default 1h); 400 naming the choices otherwise. */
export function attentionWindow(text: string | null): AttentionWindow {
  if (text === null || text === '') return '1h';
  const found = ATTENTION_WINDOWS.find((w) => w === text);
  if (found === undefined)
    throw badRequest(`window: '${clip(text)}' is not one of ${ATTENTION_WINDOWS.join(', ')}`);
  return found;
}

/** Remote hosts known unreachable now (SPEC 24.3): those whose agent session is down. */
function unreachableHosts(app: App): string[] {
  const hosts = app.engine.deps.remote?.stats() ?? {};
  return Object.entries(hosts)
    .filter(([, h]) => h.state === 'down')
    .map(([host]) => host)
    .sort();
}

/** The attention counts of `app` now, over `window`. */
export function attention(app: App, window: AttentionWindow): Attention {
  const engine = app.engine;
  const now = engine.clock.now();
  const since = now - WINDOW_MS[window];
  const iso = (ms: number): string => new Date(ms).toISOString();
  // Unfinished runs are all in memory (restore loads them): overdue and long waits are counted there.
  const warnAfter = engine.deps.settings.waiting.warn_after;
  const waitedSince = warnAfter === null ? null : now - warnAfter * 1000;
  let overdue = 0;
  let waitingLong = 0;
  for (const run of engine.runs.all()) {
    if ((run.state === 'running' || run.state === 'stopping') && (run.times['stop'] ?? Infinity) < now)
      overdue += 1;
    else if (run.state === 'waiting' && waitedSince !== null && run.timestamp < waitedSince) waitingLong += 1;
  }
  const files = [...new Set(engine.jobErrors.map((p) => p.path))].sort();
  const hosts = unreachableHosts(app);
  return {
    window,
    since: iso(since),
    now: iso(now),
    failures: app.store.countEnteredSince('failure', since / 1000),
    errors: app.store.countEnteredSince('error', since / 1000),
    overdue,
    waiting_long: waitingLong,
    unreachable_hosts: hosts.length,
    load_errors: files.length,
    warn_after: warnAfter,
    filters: {
      failures: { state: 'failure', since: iso(since) },
      errors: { state: 'error', since: iso(since) },
      overdue: { state: ['running', 'stopping'], stop_before: iso(now) },
      waiting_long: waitedSince === null ? null : { state: 'waiting', before: iso(waitedSince) },
      unreachable_hosts: { hosts },
      load_errors: { files },
    },
  };
}
