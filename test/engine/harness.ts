/** An engine on a temp job folder and a fresh database, for tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '../../main/engine/app.js';
import type { Clock } from '../../main/engine/clock.js';
import { SystemClock } from '../../main/engine/clock.js';
import type { Run } from '../../main/engine/run.js';
import { defaultSettings, type Settings } from '../../main/engine/settings.js';
import type { RunState } from '../../shared/model/states.js';
import { jobFolder } from '../helpers/folders.js';

export interface Harness {
  app: App;
  dir: string;
  dbPath: string;
  /** Shuts the engine down and opens it again on the same folder and DB; `whileDown` runs in between. */
  reopen(clock?: Clock, whileDown?: () => Promise<void>): Promise<App>;
  close(): Promise<void>;
}

/** Opens an App on `files` with a fresh DB; `settings` patches the defaults. */
export function openApp(
  files: Record<string, string>,
  options: { clock?: Clock; settings?: (s: Settings) => void; warn?: (line: string) => void } = {},
): Harness {
  const dir = jobFolder(files);
  const dbPath = join(mkdtempSync(join(tmpdir(), 'apsis-db-')), 'apsis.db');
  const settings = defaultSettings();
  options.settings?.(settings);
  const warn = options.warn;
  const open = (clock: Clock): App =>
    App.open({ jobDir: dir, dbPath, settings, clock, ...(warn === undefined ? {} : { warn }) });
  const h: Harness = {
    app: open(options.clock ?? new SystemClock()),
    dir,
    dbPath,
    async reopen(clock, whileDown) {
      await h.app.shutdown();
      await whileDown?.();
      h.app = open(clock ?? new SystemClock());
      return h.app;
    },
    close: () => h.app.shutdown(),
  };
  return h;
}

/** Resolves when `run` reaches one of `states` (checked on every transition), or rejects after `ms`. */
export function waitFor(
  app: App,
  run: Run | string,
  states: RunState | readonly RunState[],
  ms = 8000,
): Promise<Run> {
  const wanted: readonly RunState[] = typeof states === 'string' ? [states] : states;
  const runId = typeof run === 'string' ? run : run.runId;
  return new Promise((resolve, reject) => {
    const current = app.engine.runs.get(runId);
    if (current !== undefined && wanted.includes(current.state)) {
      resolve(app.engine.full(current));
      return;
    }
    // Events arrive once committed; while the database cannot be written they are held, so the state in memory is
    // looked at too.
    const poll = setInterval(() => {
      const held = app.engine.runs.get(runId);
      if (held === undefined || !wanted.includes(held.state)) return;
      clearTimeout(timer);
      clearInterval(poll);
      off();
      resolve(app.engine.full(held));
    }, 25);
    const timer = setTimeout(() => {
      clearInterval(poll);
      off();
      reject(
        new Error(
          `${runId} did not reach ${wanted.join('|')} within ${ms} ms (state ${app.engine.runs.get(runId)?.state})`,
        ),
      );
    }, ms);
    const off = app.engine.events.on('transition', ({ run: r, summary }) => {
      if (summary.run_id === runId && wanted.includes(summary.state)) {
        clearTimeout(timer);
        clearInterval(poll);
        off();
        // A finished run is held in its light form; tests look at the whole run, as the API shows it.
        queueMicrotask(() => resolve(app.engine.full(r)));
      }
    });
  });
}

/** Run-log messages of a run. */
export function logOf(app: App, runId: string): string[] {
  return app.engine.runLog(runId).map((e) => e.message);
}

/** Resolves once what the engine changed so far is committed, and its events delivered. */
export function committed(app: App): Promise<void> {
  return new Promise((resolve) => app.store.afterCommit(() => queueMicrotask(resolve)));
}
