// `npm run stress`: a 1 GiB output flood (FLOOD_MIB overrides); see flood-scenario.ts.
import { describe, expect, it } from 'vitest';
import { OUTPUT_CAP } from '../../main/engine/outputs.js';
import { expectedNote, runFlood } from './flood-scenario.js';

const BYTES = Number(process.env['FLOOD_MIB'] ?? 1024) * 2 ** 20;

describe('output flood', () => {
  it(`${BYTES / 2 ** 20} MiB of output: capped, marked, bounded memory, spool removed`, async () => {
    const report = await runFlood(BYTES);
    console.log(JSON.stringify(report));
    expect(report.state).toBe('success');
    expect(report.note).toBe(expectedNote(BYTES));
    expect(report.keptIntact).toBe(true);
    expect(report.peakRssGrowth).toBeLessThan(4 * OUTPUT_CAP + 64 * 2 ** 20);
    expect(report.spoolRemoved).toBe(true);
  });
});
