// Load, short (issue 9): 1,000 interval jobs start 50 no-op runs/s for 8 s under `apsis serve`, watched by 10
// summary streams, one of which stops reading for 2 s. Every view ends equal to the server's memory and the
// database, with no transition dropped, repeated or out of order. `npm run stress` runs the full figures.
import { describe, expect, it } from 'vitest';
import { formatLoadReport, runLoad } from '../stress/load-scenario.js';

describe('load', () => {
  it('50 runs/s with 10 summary clients: every view equals the server and the database', async () => {
    const report = await runLoad({ jobs: 1000, runsPerSecond: 50, seconds: 8, clients: 10, pauseSeconds: 2 });
    console.log(formatLoadReport(report));
    expect(report.examples).toEqual([]);
    expect(report.mismatches).toBe(0);
    expect(report.anomalies).toBe(0);
    expect(report.reconnects).toBe(0);
    expect(report.exitCode).toBe(0);
    expect(report.messagesPerClient.min).toBeGreaterThan(report.runsCreated);
    // The schedules make 50 runs/s; the engine starts them all (loosely: a busy machine may start a few late).
    expect(report.runsPerSecond).toBeGreaterThan(40);
  }, 60_000);
});
