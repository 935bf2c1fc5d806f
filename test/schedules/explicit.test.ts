import { describe, expect, it } from 'vitest';
import { occurrences } from '../../main/schedules/occurrences.js';
import type { ExplicitSchedule } from '../../main/schedules/types.js';
import { at, times } from './helpers.js';

const explicit = (isos: string[], args = {}): ExplicitSchedule => ({
  type: 'explicit',
  times: isos.map(at),
  enabled: true,
  args,
});

describe('explicit schedules', () => {
  it('yields the times at or after `after`, sorted, with the time arg', () => {
    const s = explicit(['2027-11-07T01:45:00-05:00', '2027-11-07T01:45:00-04:00', '2026-01-01T00:00:00Z']);
    const got = [...occurrences(s, at('2027-01-01T00:00:00Z'))];
    expect(times(got)).toEqual(['2027-11-07T05:45:00Z', '2027-11-07T06:45:00Z']);
    expect(got[0]?.args).toEqual({ time: '2027-11-07T05:45:00+00:00' });
    expect(times([...occurrences(s, at('2027-11-07T05:45:00Z'))])).toEqual([
      '2027-11-07T05:45:00Z',
      '2027-11-07T06:45:00Z',
    ]);
  });

  it('ends when no time is left, and keeps explicit args', () => {
    expect([...occurrences(explicit(['2020-01-01T00:00:00Z']), at('2024-01-01T00:00:00Z'))]).toEqual([]);
    const [only] = occurrences(explicit(['2024-12-13T12:00:00.250Z'], { label: 'x' }), 0);
    expect(only?.args).toEqual({ time: '2024-12-13T12:00:00.25+00:00', label: 'x' });
  });
});
