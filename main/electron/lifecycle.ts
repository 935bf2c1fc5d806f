/**
 * App lifecycle (SPEC 12.4, 19.6): closing the window keeps the engine running (tray) until the operator quits;
 * quitting asks first when runs are in flight (on the shown window), then shuts the engine down like a server
 * shutdown. A system shutdown, logout or quit signal shuts it down without asking, and a watchdog ends the process
 * if a shutdown hangs. Sleep and resume are logged, and runs missed during sleep are started at once on resume.
 */
import type { Clock } from '../engine/clock.js';
import type { EngineHost, OpenEngine } from './engine-host.js';
import type { Log } from './log.js';
import type { PreventableEvent } from './ports.js';

/** Runs whose processes live on outside the engine: running or stopping. */
export function inFlightRuns(host: { readonly current: OpenEngine | null }): number {
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

/** The engine host as the quit flow uses it (EngineHost). */
export interface QuitHost {
  readonly current: OpenEngine | null;
  shutdown(): Promise<void>;
}

export interface QuitDeps {
  host: QuitHost;
  /** Asks whether to quit with `inFlight` runs in flight; resolves true to quit. */
  confirm(inFlight: number): Promise<boolean>;
  /** Shows and focuses the console window, so the question is asked on a visible window. */
  showWindow(): void;
  /** Quits the app for real (app.quit()); called once the engine is down. */
  quit(): void;
  /** Ends the process at once (app.exit), when a shutdown does not finish in time. */
  exit(code: number): void;
  /** Times the watchdog. */
  clock: Clock;
  log: Log;
}

/** How long a quit may take once the engine is shutting down before the process exits anyway (SPEC 12.4: 10 s). */
export const QUIT_WATCHDOG_MS = 10_000;

type QuitState = 'running' | 'confirming' | 'stopping' | 'done';

/**
 * Handles `before-quit`: confirm when runs are in flight (on the shown window), shut the engine down cleanly (SPEC
 * 12.4), then let the quit through. A quit of the system (shutdown, logout, a signal) is not asked about. Once the
 * engine is going down, a watchdog ends the process if the quit has not finished within QUIT_WATCHDOG_MS.
 */
export class QuitFlow {
  #state: QuitState = 'running';
  #done: Promise<void> = Promise.resolve();
  #watchdog = false;

  constructor(private readonly deps: QuitDeps) {}

  /** Whether windows may really close now (the engine is going down). */
  get quitting(): boolean {
    return this.#state === 'stopping' || this.#state === 'done';
  }

  /** Resolves once a quit in progress has shut the engine down (or was declined). */
  get done(): Promise<void> {
    return this.#done;
  }

  onBeforeQuit(event: PreventableEvent): void {
    if (this.#state === 'done') return;
    event.preventDefault();
    if (this.#state === 'confirming') this.deps.showWindow(); // the question is open: bring it back to the front
    if (this.#state !== 'running') return;
    this.#state = 'confirming';
    this.#done = this.#ask();
  }

  /**
   * The system is shutting down, or the session ends (SIGTERM, SIGHUP, SIGINT, powerMonitor `shutdown`, Windows'
   * session end): no question, not even one already open; the engine shuts down per SPEC 12.4 and the app quits.
   */
  onSystemQuit(reason: string): void {
    this.deps.log.info(`${reason}: shutting the engine down and quitting`);
    if (this.#state === 'running' || this.#state === 'confirming') this.#done = this.#stop();
  }

  async #ask(): Promise<void> {
    const inFlight = inFlightRuns(this.deps.host);
    if (inFlight > 0) {
      let yes = false;
      try {
        this.deps.showWindow();
        yes = await this.deps.confirm(inFlight);
      } catch (e) {
        this.deps.log.error('the quit question failed; not quitting:', e);
      }
      if (this.#state !== 'confirming') return; // a system quit took over meanwhile
      if (!yes) {
        this.#state = 'running';
        return;
      }
    }
    await this.#stop();
  }

  async #stop(): Promise<void> {
    this.#state = 'stopping';
    this.#armWatchdog();
    try {
      await this.deps.host.shutdown();
    } catch (e) {
      this.deps.log.error('engine shutdown failed:', e);
    }
    this.#state = 'done';
    this.deps.quit();
  }

  /** Ends the process if the quit has not finished within QUIT_WATCHDOG_MS (a hung shutdown must not keep it). */
  #armWatchdog(): void {
    if (this.#watchdog) return;
    this.#watchdog = true;
    const { clock } = this.deps;
    void clock.sleepUntil(clock.now() + QUIT_WATCHDOG_MS).then(() => {
      const clean = this.#state === 'done';
      this.deps.log.error(
        `the quit did not finish within ${QUIT_WATCHDOG_MS / 1000} s (${clean ? 'engine down' : 'engine shutdown hung'}): exiting`,
      );
      this.deps.exit(clean ? 0 : 1);
    });
  }

  /** Handles a window's `close`: hidden instead of closed while not quitting, so the engine keeps running. */
  onWindowClose(event: PreventableEvent, hide: () => void): void {
    if (this.quitting) return;
    event.preventDefault();
    hide();
  }
}

/** Signals that end a session or a system: the desktop app quits on them without asking. */
export const QUIT_SIGNALS = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const;

/** Where the signals come from (process). */
export interface SignalSource {
  on(signal: (typeof QUIT_SIGNALS)[number], listener: () => void): unknown;
}

/** The system's shutdown notice (powerMonitor, Linux and macOS). */
export interface ShutdownNotice {
  on(event: 'shutdown', listener: (event?: PreventableEvent) => void): unknown;
}

/**
 * Turns a system shutdown, logout or quit signal into a quit without a question. Electron would turn the first
 * signal into an ordinary quit (asking when runs are in flight); a listener here replaces that. The `shutdown`
 * notice is held (preventDefault) so the system waits while the engine shuts down, as Electron asks.
 */
export function watchSystemQuit(signals: SignalSource, power: ShutdownNotice, flow: QuitFlow): void {
  for (const signal of QUIT_SIGNALS) signals.on(signal, () => flow.onSystemQuit(`received ${signal}`));
  power.on('shutdown', (event) => {
    event?.preventDefault();
    flow.onSystemQuit('the system is shutting down');
  });
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
