// The wall clock jumping (NTP steps, suspend, a wrong clock corrected): no occurrence runs twice, none is lost.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../helpers/fake-clock.js';
import { openApp, type Harness } from '../engine/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const T0 = Date.parse('2026-03-01T00:00:30Z');

/** Schedule times (ISO) of the runs of `jobId` that left `scheduled`, with how often each occurs. */
function started(jobId: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const run of h!.app.engine.runs.ofJob(jobId)) {
    if (run.state === 'scheduled') continue;
    const t = new Date(run.times['schedule'] ?? 0).toISOString();
    out.set(t, (out.get(t) ?? 0) + 1);
  }
  return out;
}

describe('wall clock jumps', () => {
  it('forward: missed occurrences start at once, each once; back: nothing reruns; then runs go on', async () => {
    const clock = new FakeClock(T0);
    h = openApp(
      { 'tick.yaml': 'schedule: {type: interval, interval: 60}\nprogram: {type: no-op}\n' },
      { clock },
    );
    await clock.advance(5 * 60_000); // 00:05:30 — 00:01..00:05
    expect(started('tick').size).toBe(5);

    await clock.jump(T0 + 15 * 60_000); // jump forward 10 minutes: 00:06..00:15 are due at once
    const afterForward = started('tick');
    expect(afterForward.size).toBe(15);
    expect([...afterForward.values()].every((n) => n === 1)).toBe(true);

    await clock.jump(T0 + 7 * 60_000); // jump back 8 minutes
    await clock.advance(3 * 60_000); // back to 00:10:30: those minutes already ran
    expect(started('tick').size).toBe(15);

    await clock.advance(8 * 60_000); // 00:18:30: 00:16..00:18 run, once each
    const end = started('tick');
    expect(end.size).toBe(18);
    expect([...end.values()].every((n) => n === 1)).toBe(true);
    const minutes = [...end.keys()].sort().map((t) => t.slice(11, 16));
    expect(minutes).toEqual(Array.from({ length: 18 }, (_, i) => `00:${String(i + 1).padStart(2, '0')}`));
  });
});
