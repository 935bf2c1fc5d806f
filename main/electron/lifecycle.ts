/**
 * App lifecycle (SPEC 12.4, 19.6): closing the window keeps the engine running (tray) until the operator quits;
 * quitting asks first when runs are in flight, then shuts the engine down like a server shutdown. Sleep and resume
 * are logged, and runs missed during sleep are started at once on resume.
 */
import type { EngineHost } from './engine-host.js';
import type { Log } from './log.js';
import type { PreventableEvent } from './ports.js';

/** Runs whose processes live on outside the engine: running or stopping. */
export function inFlightRuns(host: EngineHost): number {
  return host.current?.service.runsInFlight() ?? 0;
}

/** The quit confirmation (SPEC 19.6): what happens to runs in flight, and that nothing starts meanwhile. */
export function quitMessage(inFlight: number): { message: string; detail: string } {
  const runs = inFlight === 1 ? '1 run is' : `${inFlight} runs are`;
  return {
    message: `${runs} in flight. Quit Apsis Console?`,
    detail:
      'Runs in flight keep running under their supervisors and are recovered when Apsis Console starts again. ' +
      'No scheduled run starts while it is closed; missed runs are caught up at the next start.',
  };
}

export interface QuitDeps {
  host: EngineHost;
  /** Asks whether to quit with `inFlight` runs in flight. */
  confirm(inFlight: number): Promise<boolean>;
  /** Quits the app for real (app.quit()); called once the engine is down. */
  quit(): void;
  log: Log;
}

type QuitState = 'running' | 'confirming' | 'stopping' | 'done';

/** Handles `before-quit`: confirm, shut the engine down cleanly (SPEC 12.4), then let the quit through. */
export class QuitFlow {
  #state: QuitState = 'running';
  #done: Promise<void> = Promise.resolve();

  constructor(private readonly deps: QuitDeps) {}

  /** Whether windows may really close now (the engine is going down). */
  get quitting(): boolean {
    return this.#state === 'stopping' || this.#state === 'done';
  }

  /** Resolves once a quit in progress has shut the engine down. */
  get done(): Promise<void> {
    return this.#done;
  }

  onBeforeQuit(event: PreventableEvent): void {
    if (this.#state === 'done') return;
    event.preventDefault();
    if (this.#state !== 'running') return; // already asking or stopping
    this.#state = 'confirming';
    this.#done = this.#run();
  }

  async #run(): Promise<void> {
    const inFlight = inFlightRuns(this.deps.host);
    if (inFlight > 0 && !(await this.deps.confirm(inFlight))) {
      this.#state = 'running';
      return;
    }
    this.#state = 'stopping';
    try {
      await this.deps.host.shutdown();
    } catch (e) {
      this.deps.log.error('engine shutdown failed:', e);
    }
    this.#state = 'done';
    this.deps.quit();
  }

  /** Handles a window's `close`: hidden instead of closed while not quitting, so the engine keeps running. */
  onWindowClose(event: PreventableEvent, hide: () => void): void {
    if (this.quitting) return;
    event.preventDefault();
    hide();
  }
}

export interface PowerLike {
  on(event: 'suspend' | 'resume', listener: () => void): unknown;
}

/** Notes sleep and resume in the log; on resume, runs that came due during sleep start at once (catch-up). */
export function watchPower(power: PowerLike, host: EngineHost, log: Log): void {
  power.on('suspend', () => log.info('system going to sleep: no run starts until it resumes'));
  power.on('resume', () => {
    const service = host.current?.service;
    log.info(`system resumed${service === undefined ? '' : ': starting runs that came due during sleep'}`);
    service?.catchUp();
  });
}
