/** Native notifications when runs fail (SPEC 19.6); failures within a second come as one notification. */
import type { OpenEngine } from './engine-host.js';
import type { NotificationFactory, NotificationLike } from './ports.js';

const COALESCE_MS = 1000;
/** Runs named in one notification; more are counted. */
const NAMED = 3;
/** Notifications held for their click at most; older ones are let go (they are long off the screen). */
const HELD = 20;

export class FailureNotifier {
  #off: () => void = () => {};
  #failed: { runId: string; jobId: string; state: string }[] = [];
  /**
   * Notifications on screen. Electron routes a click to the JS Notification object, which a garbage collection
   * takes away unless someone holds it: held here until clicked, closed or failed (Electron's `close` is not
   * guaranteed, so at most HELD are kept).
   */
  readonly #held = new Set<NotificationLike>();

  constructor(
    private readonly notify: NotificationFactory,
    private readonly onClick: () => void,
  ) {}

  /** Follows `engine` (null: none); failures not yet shown are dropped with the old engine. */
  attach(engine: OpenEngine | null): void {
    this.#off();
    this.#failed = [];
    if (engine === null) {
      this.#off = () => {};
      return;
    }
    this.#off = engine.service.onFinished((run) => {
      if (run.state !== 'failure' && run.state !== 'error') return;
      this.#failed.push({ runId: run.run_id, jobId: run.job_id, state: run.state });
      if (this.#failed.length > 1) return;
      void engine.service.delay(COALESCE_MS).then(() => this.#flush());
    });
  }

  #flush(): void {
    const failed = this.#failed;
    this.#failed = [];
    const first = failed[0];
    if (first === undefined) return;
    const title = failed.length === 1 ? `Run ${first.runId} failed` : `${failed.length} runs failed`;
    const named = failed.slice(0, NAMED).map((f) => `${f.jobId} ${f.runId} (${f.state})`);
    if (failed.length > NAMED) named.push(`and ${failed.length - NAMED} more`);
    const n = this.notify({ title, body: named.join('\n') });
    const release = (): void => void this.#held.delete(n);
    n.on('click', () => {
      release();
      this.onClick();
    });
    n.on('close', release);
    n.on('failed', release);
    this.#held.add(n);
    for (const old of this.#held) {
      if (this.#held.size <= HELD) break;
      this.#held.delete(old);
    }
    n.show();
  }
}
