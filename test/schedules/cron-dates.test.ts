/**
 * The cron fast path (main/schedules/cron-dates.ts matches dates from croner's parsed pattern) against croner
 * itself, over random expressions: every date-field form croner accepts (L, W, LW, #n, nL, `+`, names, ranges,
 * steps, lists, `?`) and random zones, from dates across croner's whole range.
 */
import fc from 'fast-check';
import { Cron, CronPattern } from 'croner';
import { describe, expect, it } from 'vitest';
import { CRON_END_DAY, cronDateMatcher } from '../../main/schedules/cron-dates.js';
import { occurrences } from '../../main/schedules/occurrences.js';
import { MS_PER_DAY, dayFromYmd } from '../../main/time/days.js';
import { at, cron, cronerInstants, until, z, ZONES } from './helpers.js';

/** How cron.ts runs croner. */
const OPTIONS = { utcOffset: 0, mode: '5-or-6-parts', domAndDow: false } as const;

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const int = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min, max });
const range = (min: number, max: number): fc.Arbitrary<string> =>
  fc.tuple(int(min, max), int(min, max)).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`);
const stepped = (min: number, max: number): fc.Arbitrary<string> =>
  fc.tuple(range(min, max), int(1, 10)).map(([r, s]) => `${r}/${s}`);
const list = (item: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.array(item, { minLength: 1, maxLength: 3 }).map((xs) => xs.join(','));

const dayOfMonth = fc.oneof(
  fc.constantFrom('*', '?', 'L', 'LW', '*/2', '*/7'),
  int(1, 31).map(String),
  int(1, 31).map((d) => `${d}W`),
  range(1, 31),
  stepped(1, 31),
  list(
    fc.oneof(
      int(1, 31).map(String),
      int(1, 31).map((d) => `${d}W`),
      fc.constant('L'),
    ),
  ),
);
const month = fc.oneof(
  fc.constantFrom('*', '*/3', 'FEB', 'JAN-MAR,OCT-DEC'),
  list(fc.oneof(int(1, 12).map(String), fc.constantFrom(...MONTHS), range(1, 12), stepped(1, 12))),
);
const dayOfWeek = fc
  .tuple(
    fc.boolean(),
    fc.oneof(
      fc.constantFrom('*', '?', '*/2', 'MON-FRI', 'SUN', '7'),
      list(
        fc.oneof(
          int(0, 7).map(String),
          fc.constantFrom(...DAYS),
          range(0, 6),
          stepped(0, 6),
          fc.tuple(int(0, 6), int(1, 5)).map(([d, n]) => `${d}#${n}`),
          fc.tuple(fc.constantFrom(...DAYS), int(1, 5)).map(([d, n]) => `${d}#${n}`),
          int(0, 6).map((d) => `${d}L`),
        ),
      ),
    ),
  )
  .map(([and, dow]) => (and && dow !== '*' && dow !== '?' ? `+${dow}` : dow));

/** Date fields that croner accepts, with the time of day at midnight. */
const dateExpr = fc
  .tuple(dayOfMonth, month, dayOfWeek)
  .map(([dom, mon, dow]) => `0 0 ${dom} ${mon} ${dow}`)
  .filter((expr) => {
    try {
      new CronPattern(expr, undefined, { mode: OPTIONS.mode });
      return true;
    } catch {
      return false;
    }
  });

/** croner's matching dates (day numbers) in [from, to). */
function cronerDays(expr: string, from: number, to: number): number[] {
  const croner = new Cron(expr, OPTIONS);
  const out: number[] = [];
  for (let w = croner.nextRun(new Date(from * MS_PER_DAY - 1)); w !== null; w = croner.nextRun(w)) {
    const day = Math.floor(w.getTime() / MS_PER_DAY);
    if (day >= to) break;
    out.push(day);
  }
  return out;
}

const startDay = fc.oneof(
  int(dayFromYmd(1990, 1, 1), dayFromYmd(2040, 1, 1)),
  int(dayFromYmd(1, 1, 1), CRON_END_DAY - 800),
);

describe('cron date matching', () => {
  it('matches the same dates as croner', () => {
    fc.assert(
      fc.property(dateExpr, startDay, (expr, from) => {
        const to = Math.min(from + 800, CRON_END_DAY);
        const matches = cronDateMatcher(new CronPattern(expr, undefined, { mode: OPTIONS.mode }));
        const ours: number[] = [];
        for (let day = from; day < to; day += 1) if (matches(day)) ours.push(day);
        expect(ours).toEqual(cronerDays(expr, from, to));
      }),
      { numRuns: 300 },
    );
  });

  it('gives the occurrences croner gives, resolved per SPEC 5.2, in random zones', () => {
    const zone = fc.constantFrom(...ZONES, 'Pacific/Chatham');
    const times = fc.constantFrom('0 0', '30 2', '*/20 1-3', '15 1,2', '0 30 23', '*/45 */7 0-2');
    const expr = fc.tuple(times, dateExpr).map(([t, date]) => `${t} ${date.split(' ').slice(2).join(' ')}`);
    const after = fc
      .tuple(int(at('2020-01-01T00:00:00Z'), at('2030-01-01T00:00:00Z')), int(0, 30 * MS_PER_DAY))
      .map(([a, len]) => [a, a + len] as const);
    fc.assert(
      fc.property(expr, zone, after, (e, tz, [a, c]) => {
        const ours = until(occurrences(cron(e, tz), a), c).map((o) => z(o.time));
        const wanted = cronerInstants(e, tz, a, c)
          .filter((t) => t >= a && t < c)
          .map(z);
        expect(ours).toEqual(wanted);
      }),
      { numRuns: 200 },
    );
  });

  it('ends where croner does: before the year 3000', () => {
    const last = [...occurrences(cron('0 12 * * *', 'UTC'), at('2999-12-30T00:00:00Z'))];
    expect(last.map((o) => z(o.time))).toEqual(['2999-12-30T12:00:00Z', '2999-12-31T12:00:00Z']);
    expect([...occurrences(cron('0 0 29 2 *', 'UTC'), at('2997-01-01T00:00:00Z'))]).toEqual([]);
  });
});
