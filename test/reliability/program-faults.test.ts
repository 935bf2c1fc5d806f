// Programs that misbehave (issue 9): an output flood is capped and marked, with memory bounded and the spool
// removed; a stats file on a full disk fails only that run, with the cause and the way on.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OUTPUT_CAP } from '../../main/engine/outputs.js';
import { expectedNote, runFlood } from '../stress/flood-scenario.js';
import { outputBytes } from '../../main/store/output-codec.js';
import { openApp, waitFor, type Harness } from '../engine/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const FLOOD = 256 * 1024 * 1024;

describe('program faults', () => {
  it(`a ${FLOOD / 2 ** 20} MiB output flood: the run succeeds, its output is capped and marked, memory stays bounded, the spool goes`, async () => {
    const report = await runFlood(FLOOD);
    expect(report.state).toBe('success');
    expect(report.note).toBe(expectedNote(FLOOD));
    expect(report.storedLength).toBe(OUTPUT_CAP + expectedNote(FLOOD).length);
    expect(report.keptIntact).toBe(true);
    // The kept 16 MiB, its final copy and its compression: well under the flood.
    expect(report.peakRssGrowth).toBeLessThan(4 * OUTPUT_CAP + 64 * 2 ** 20);
    expect(report.spoolRemoved).toBe(true);
  }, 90_000);

  it('a stats file on a full disk fails that run with the cause; the next run with a good path succeeds', async () => {
    h = openApp({
      'full.yaml': 'program: {type: apsis.program.internal.stats.StatsProgram, path: /dev/full}\n',
      'good.yaml': 'program: {type: apsis.program.internal.stats.StatsProgram, path: stats.json}\n',
    });
    const { app } = h;
    const full = app.engine.createRun('full', {});
    await waitFor(app, full, ['success', 'failure', 'error']);
    expect(full.state).toBe('error');
    const output = outputBytes(
      app.engine.store.readOutput(full.runId, 'output') ?? { compression: null, data: Buffer.alloc(0) },
    );
    expect(output.toString()).toBe(
      'stats: cannot write /dev/full: its disk is full (ENOSPC); free space on it or change path\n',
    );
    const good = app.engine.createRun('good', {});
    await waitFor(app, good, ['success', 'failure', 'error']);
    expect(good.state).toBe('success');
    expect(existsSync(join(h.dir, 'stats.json'))).toBe(true);
  });
});
