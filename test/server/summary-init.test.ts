// The summary stream's init with more runs than one frame holds (SPEC 16.1): what a console receives.
import { afterEach, describe, expect, it } from 'vitest';
import { collect, openServer, type ServerHarness } from './server-harness.js';

let h: ServerHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Msg = { type: string; run_summary?: { run_id: string; state: string } };

describe('summary init', () => {
  it('comes in frames of 4096 messages, jobs first, then every run exactly once', async () => {
    h = await openServer({ 'later.yaml': 'program: {type: no-op}\n' });
    const later = Date.now() + 3_600_000;
    const runIds = new Set<string>();
    for (let i = 0; i < 5000; i += 1)
      runIds.add(h.app.engine.createRun('later', {}, { time: later, expected: true }).runId);
    const ws = h.ws('/api/v1/summary?init');
    const frames = await collect<Msg[]>(
      ws,
      (fs) => fs.flat().filter((m) => m.type === 'run_summary').length >= runIds.size,
    );
    ws.close();
    expect(frames.map((f) => f.length)).toEqual([4096, 5000 + 2 - 4096]);
    expect(frames[0]?.slice(0, 2).map((m) => m.type)).toEqual(['job', 'job_errors']);
    const sent = frames.flat().flatMap((m) => (m.run_summary === undefined ? [] : [m.run_summary]));
    expect(sent.map((r) => r.run_id).sort()).toEqual([...runIds].sort());
    expect(new Set(sent.map((r) => r.state))).toEqual(new Set(['scheduled']));
  });
});
