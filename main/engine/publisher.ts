/** Engine events for live views (SPEC 16): the summary stream, run streams and output streams subscribe here. */
import type { Problem } from '../../shared/model/problem.js';
import type { Job } from '../jobs/job.js';
import type { Run } from './run.js';

export interface EngineEvents {
  transition: (run: Run) => void;
  meta: (run: Run) => void;
  log: (runId: string, timestamp: number, message: string) => void;
  output: (runId: string, data: Buffer, length: number) => void;
  delete: (runId: string) => void;
  job: (job: Job, kind: 'add' | 'change') => void;
  job_delete: (jobId: string) => void;
  job_errors: (errors: Problem[]) => void;
}

type Listeners = { [K in keyof EngineEvents]: Set<EngineEvents[K]> };

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

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof EngineEvents>(event: K, fn: EngineEvents[K]): () => void {
    (this.listeners[event] as Set<EngineEvents[K]>).add(fn);
    return () => (this.listeners[event] as Set<EngineEvents[K]>).delete(fn);
  }

  emit<K extends keyof EngineEvents>(event: K, ...args: Parameters<EngineEvents[K]>): void {
    for (const fn of this.listeners[event] as Set<(...a: Parameters<EngineEvents[K]>) => void>) {
      try {
        fn(...args);
      } catch (e) {
        // A broken subscriber must not break the engine's transition path.
        console.error(`apsis: ${event} subscriber failed:`, e);
      }
    }
  }

  count(event: keyof EngineEvents): number {
    return this.listeners[event].size;
  }
}
