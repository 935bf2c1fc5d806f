/**
 * Output flood (issue 9): one run writes `bytes` of output; the engine keeps OUTPUT_CAP of it, marks the rest as
 * truncated, stays within bounded memory, and removes the run's spool once the end is committed. Shared by the
 * suite (256 MiB) and `npm run stress` (1 GiB).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OUTPUT_CAP } from '../../main/engine/outputs.js';
import { outputBytes } from '../../main/store/output-codec.js';
import { openApp, waitFor } from '../engine/harness.js';

export interface FloodReport {
  state: string;
  /** Bytes of the stored output, and its text past OUTPUT_CAP (the truncation note). */
  storedLength: number;
  note: string;
  /** Whether the kept part is the first OUTPUT_CAP bytes as written (all NUL). */
  keptIntact: boolean;
  /** Largest RSS growth over the run, bytes. */
  peakRssGrowth: number;
  seconds: number;
  spoolRemoved: boolean;
}

export async function runFlood(bytes: number): Promise<FloodReport> {
  const h = openApp({ 'flood.yaml': `program: "head -c ${bytes} /dev/zero; echo done >&2"\n` });
  try {
    const { app } = h;
    const base = process.memoryUsage().rss;
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss - base);
    }, 20);
    const t0 = performance.now();
    const run = app.engine.createRun('flood', {});
    try {
      await waitFor(app, run, ['success', 'failure', 'error'], 600_000);
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - t0) / 1000;
    app.store.commitBatch();
    const stored = app.engine.store.readOutput(run.runId, 'output');
    const data = stored === undefined ? Buffer.alloc(0) : outputBytes(stored);
    const runDir = join(`${h.dbPath}.runs`, 'runs', run.runId);
    for (let i = 0; i < 100 && existsSync(runDir); i += 1) await new Promise((r) => setTimeout(r, 50));
    return {
      state: run.state,
      storedLength: data.length,
      note: data.subarray(OUTPUT_CAP).toString(),
      keptIntact: data.subarray(0, OUTPUT_CAP).every((b) => b === 0),
      peakRssGrowth: peak,
      seconds,
      spoolRemoved: !existsSync(runDir),
    };
  } finally {
    await h.close();
  }
}

/** The note the engine appends to an output of `bytes` (plus the 5 bytes `done\n` of the job). */
export function expectedNote(bytes: number): string {
  return `\n[output truncated: ${bytes + 5 - OUTPUT_CAP} more bytes were not kept]\n`;
}
