/** Gathers the stats object (SPEC 17.1) from each component's own figures. */
import { readFileSync } from 'node:fs';
import type { Stats } from '../../shared/stats/schema.js';
import type { App } from '../engine/app.js';
import { gcStats } from './gc.js';

const PAGE_SIZE = 4096;

function statm(): { statm_size?: number; statm_resident?: number } {
  try {
    const [size, resident] = readFileSync('/proc/self/statm', 'utf8').split(' ').map(Number);
    if (size === undefined || resident === undefined) return {};
    return { statm_size: size * PAGE_SIZE, statm_resident: resident * PAGE_SIZE };
  } catch {
    return {};
  }
}

/** Remote hosts (SPEC 24.3), when any is used or named in a host group. */
function remote(app: App): Pick<Stats, 'remote'> {
  const hosts = app.engine.deps.remote?.stats() ?? {};
  return Object.keys(hosts).length === 0 ? {} : { remote: { hosts } };
}

/** The current stats object of `app` (SPEC 17.1). */
export function engineStats(app: App): Stats {
  const engine = app.engine;
  const store = app.store;
  const usage = process.resourceUsage();
  const heap = process.memoryUsage();
  const sched = app.scheduler.stats();
  const failure = store.writeFailure;
  let dbSize: number | undefined;
  try {
    dbSize = store.stats().size;
  } catch {
    dbSize = undefined;
  }
  const own = engine.stats();
  return {
    version: '0.1.0',
    start_time: new Date(app.startTime).toISOString(),
    time: new Date(engine.clock.now()).toISOString(),
    async: { ...app.sampler.probe },
    rusage_maxrss: usage.maxRSS * 1024,
    rusage_utime: usage.userCPUTime / 1e6,
    rusage_stime: usage.systemCPUTime / 1e6,
    ...statm(),
    heap: { used: heap.heapUsed, total: heap.heapTotal },
    gc: gcStats(),
    scheduled: sched,
    ...own,
    summary_publisher: { ...app.summaryPublisher },
    launcher: app.launcher.stats(),
    ...remote(app),
    db: {
      ...(dbSize === undefined ? {} : { size: dbSize }),
      pending_writes: store.pendingWrites,
      ...(failure === null ? {} : { write_error: failure.message }),
    },
  };
}
