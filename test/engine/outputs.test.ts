// Rerun and outputs (SPEC 11.4 rerun, 11.6): real shell processes, outputs stored in the real database.
import { FINISHED_STATES } from '../../shared/model/states.js';
import { afterEach, describe, expect, it } from 'vitest';
import { outputBytes } from '../../main/store/output-codec.js';
import { logOf, openApp, waitFor, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('rerun and output', () => {
  it('AC-18 a failure with return code 4; its rerun has a new ID, the same args and a different output', async () => {
    h = openApp({
      'exit.yaml': 'params: [color, code]\nprogram: echo "color={{ color }} $(date +%N)"; exit {{ code }}\n',
    });
    const engine = h.app.engine;
    const first = engine.createRun('exit', { color: 'green', code: '4' });
    await waitFor(h.app, first, FINISHED_STATES);
    expect(first.state).toBe('failure');
    expect((h.app.engine.full(first).meta['program'] as { return_code: number }).return_code).toBe(4);

    const again = engine.rerun(first.runId);
    expect(again.runId).not.toBe(first.runId);
    expect(again.args).toEqual({ code: '4', color: 'green' });
    await waitFor(h.app, again, FINISHED_STATES);
    expect(again.state).toBe('failure');
    expect(logOf(h.app, again.runId).slice(0, 2)).toEqual([
      'scheduled: now',
      `scheduled as rerun of ${first.runId}`,
    ]);

    const out1 = engine.store.readOutput(first.runId, 'output');
    const out2 = engine.store.readOutput(again.runId, 'output');
    expect(out1?.data.toString()).toMatch(/^color=green \d+\n$/);
    expect(out2?.data.toString()).toMatch(/^color=green \d+\n$/);
    expect(out2?.data.toString()).not.toBe(out1?.data.toString());
    expect(out1?.name).toBe('combined stdout & stderr');
    expect(out1?.content_type).toBe('application/octet-stream');
    // The original run is untouched.
    expect(engine.store.getRun(first.runId)?.state).toBe('failure');
  });

  it('AC-18 an output of 16 KiB or more is stored brotli-compressed with its uncompressed length', async () => {
    h = openApp({
      'big.yaml': 'params: [n]\nprogram: head -c {{ n }} /dev/zero | tr "\\\\0" a\n',
    });
    const big = h.app.engine.createRun('big', { n: '40000' });
    const small = h.app.engine.createRun('big', { n: '16383' });
    await waitFor(h.app, big, FINISHED_STATES);
    await waitFor(h.app, small, FINISHED_STATES);
    expect([big.state, small.state]).toEqual(['success', 'success']);
    const stored = h.app.engine.store.readOutput(big.runId, 'output');
    expect(stored?.compression).toBe('br');
    expect(stored?.length).toBe(40000);
    expect(stored?.data.length).toBeLessThan(40000);
    if (stored === undefined) throw new Error('no output');
    expect(outputBytes(stored).toString()).toBe('a'.repeat(40000));
    const plain = h.app.engine.store.readOutput(small.runId, 'output');
    expect(plain?.compression).toBeNull();
    expect(plain?.length).toBe(16383);
  });
});
