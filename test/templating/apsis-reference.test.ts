/**
 * Templates render what Apsis renders (SPEC 7): every case of test/fixtures/templates/apsis-1.1.2.json,
 * rendered by Apsis 1.1.2's own template_expand, renders the same here, or fails where Apsis raised. A
 * case with a `note` may answer otherwise, as the note says; the test names what it accepts for each.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { renderTemplate } from '../../main/templating/index.js';

interface Case {
  template: string;
  result: 'ok' | 'error';
  value?: string;
  error?: string;
  note?: string;
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/templates/apsis-1.1.2.json', import.meta.url), 'utf8'),
) as { args: Record<string, string>; run_id: string; job_id: string; cases: Case[] };

const vars = { ...fixture.args, run_id: fixture.run_id, job_id: fixture.job_id };

/** Where a note allows another answer: what we give instead. */
const NOTED: Readonly<Record<string, { ok: true; value: string } | { ok: false }>> = {
  // Apsis's Undefined raises even for `is defined`; so does ours.
  '{{ nothere is defined }}': { ok: false },
  // An unknown filter is refused as the template is read, even in a branch never taken.
  '{{ path | basename if false else path }}': { ok: false },
  // Daytimes without seconds are accepted (SPEC 4.3).
  "{{ Daytime('09:30') }}": { ok: true, value: '09:30:00' },
  // 02:30 does not exist that day in New York: SPEC 5.2 moves it forward.
  "{{ from_local((Date('2027-03-14'), Daytime('02:30:00')), 'America/New_York') }}": {
    ok: true,
    value: '2027-03-14T07:30:00+00:00',
  },
  '{{ run_id }}': { ok: true, value: 'r42' },
};

describe('templates render what Apsis 1.1.2 renders', () => {
  test('the fixture holds the recorded cases', () => {
    expect(fixture.cases.length).toBe(99);
  });

  test.each(fixture.cases.map((c) => [c.template, c] as const))('%s', (_t, c) => {
    const r = renderTemplate(c.template, vars);
    const got = r.ok ? { ok: true, value: r.value } : { ok: false, error: r.error.message };
    if (c.note !== undefined) {
      const expected = NOTED[c.template];
      expect(expected, `a noted case needs its accepted answer in NOTED: ${c.note}`).toBeDefined();
      if (expected?.ok === false) expect(got.ok).toBe(false);
      else expect(got).toEqual(expected);
      return;
    }
    if (c.result === 'ok') expect(got).toEqual({ ok: true, value: c.value });
    else expect(got.ok, `Apsis raised ${c.error ?? ''}`).toBe(false);
  });
});
