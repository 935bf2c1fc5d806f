/** The tray icon (SPEC 19.6): counts of running and failed runs, and the way back to the window or out. */
import { isFinished, type RunState } from '../../shared/model/states.js';
import type { OpenEngine } from './engine-host.js';
import type { MenuItemSpec } from './ports.js';

/** Tray updates are batched like the summary stream: at most one per half second. */
const UPDATE_MS = 500;

/** Runs in flight (running or stopping) and failed runs (failure or error) among `runs`. */
export function runCounts(counts: Partial<Record<RunState, number>>): { running: number; failed: number } {
  return {
    running: (counts.running ?? 0) + (counts.stopping ?? 0),
    failed: (counts.failure ?? 0) + (counts.error ?? 0),
  };
}

/** The tray as this module drives it; app.ts builds the menu from the template. */
export interface TrayView {
  setToolTip(text: string): void;
  setMenu(template: MenuItemSpec[]): void;
}

export class TrayStatus {
  #engine: OpenEngine | null = null;
  #off: () => void = () => {};
  #pending = false;

  constructor(
    private readonly view: TrayView,
    private readonly actions: { show(): void; quit(): void },
  ) {
    this.update();
  }

  /** Follows `engine` (null: no folder open). */
  attach(engine: OpenEngine | null): void {
    this.#off();
    this.#engine = engine;
    this.#pending = false;
    this.#off =
      engine === null
        ? () => {}
        : engine.service.onTransition((run) => {
            if (run.state === 'running' || isFinished(run.state) || run.state === 'stopping')
              this.#schedule();
          });
    this.update();
  }

  /** Shows the current counts now. */
  update(): void {
    const engine = this.#engine;
    const counts = engine === null ? null : runCounts(engine.service.stateCounts());
    const status =
      counts === null ? 'no job folder open' : `${counts.running} running, ${counts.failed} failed`;
    this.view.setToolTip(`Apsis Console: ${status}`);
    this.view.setMenu([
      { label: 'Show Apsis Console', click: () => this.actions.show() },
      { label: status, enabled: false },
      ...(engine === null ? [] : [{ label: engine.folder, enabled: false }]),
      { type: 'separator' },
      { label: 'Quit', click: () => this.actions.quit() },
    ]);
  }

  #schedule(): void {
    const engine = this.#engine;
    if (this.#pending || engine === null) return;
    this.#pending = true;
    void engine.service.delay(UPDATE_MS).then(() => {
      if (this.#engine !== engine || !this.#pending) return;
      this.#pending = false;
      this.update();
    });
  }
}
