/**
 * Engine events for the outside (SPEC 16): live streams, notifications and tests subscribe here. Each event is
 * delivered only once the commit that records its change is done (`defer`), so no consumer can show what a crash could
 * still lose, nor what a failing disk never recorded (STYLE.md 2). Output bytes are the exception: they are not stored
 * until the run ends (its spool file on disk holds them), and live viewers get them at once (SPEC 6.2: within 1 s).
 */
import type { Problem } from '../../shared/model/problem.js';
import type { Job } from '../jobs/job.js';
import type { TransitionEvent } from './engine-types.js';

export interface EngineEvents {
  transition: (event: TransitionEvent) => void;
  meta: (runId: string, meta: Record<string, unknown>) => void;
  log: (runId: string, timestamp: number, message: string) => void;
  output: (runId: string, data: Buffer, length: number) => void;
  delete: (runId: string) => void;
  job: (job: Job, kind: 'add' | 'change') => void;
  job_delete: (jobId: string) => void;
  job_errors: (errors: readonly Problem[]) => void;
}

type Listeners = { [K in keyof EngineEvents]: Set<EngineEvents[K]> };

/** Events delivered at once rather than after the commit. */
const IMMEDIATE: ReadonlySet<keyof EngineEvents> = new Set(['output']);

export class Publisher {
  private readonly listeners: Listeners = {
    transition: new Set(),
    meta: new Set(),
    log: new Set(),
    output: new Set(),
    delete: new Set(),
    job: new Set(),
    job_delete: new Set(),
    job_errors: new Set(),
  };

  /** `defer(fn)` calls `fn` once what was written so far is committed. */
  constructor(private readonly defer: (fn: () => void) => void) {}

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof EngineEvents>(event: K, fn: EngineEvents[K]): () => void {
    (this.listeners[event] as Set<EngineEvents[K]>).add(fn);
    return () => (this.listeners[event] as Set<EngineEvents[K]>).delete(fn);
  }

  /** Delivers the event to the listeners subscribed when it is delivered (after the commit, but for output). */
  emit<K extends keyof EngineEvents>(event: K, ...args: Parameters<EngineEvents[K]>): void {
    if (this.listeners[event].size === 0) return;
    if (IMMEDIATE.has(event)) this.deliver(event, args);
    else this.defer(() => this.deliver(event, args));
  }

  private deliver<K extends keyof EngineEvents>(event: K, args: Parameters<EngineEvents[K]>): void {
    for (const fn of this.listeners[event] as Set<(...a: Parameters<EngineEvents[K]>) => void>) {
      try {
        fn(...args);
      } catch (e) {
        // A broken subscriber must not break the engine or the other subscribers.
        console.error(`apsis: ${event} subscriber failed:`, e);
      }
    }
  }

  count(event: keyof EngineEvents): number {
    return this.listeners[event].size;
  }
}
