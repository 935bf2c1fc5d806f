// Each file of the reference corpus's bad/ folder, alone in a job folder, gives one problem at the place
// EXPECTED.md names (Apsis's verdict), with a message that says what is wrong.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadJobFolder } from '../../main/jobs/load-folder.js';
import { jobFolder, REFERENCE } from '../helpers/folders.js';

const NOW = Date.parse('2027-01-01T00:00:00Z');

const cases: [file: string, where: string, message: RegExp][] = [
  ['yaml-syntax.yaml', '1:9', /YAML syntax error/],
  ['unknown-top-key.yaml', '6:1', /unexpected key 'retries' in job; allowed keys: job_id, params, schedule/],
  ['plural-conditions.yaml', '7:1', /unexpected key 'conditions' in job \(did you mean 'condition'\?\)/],
  [
    'unknown-schedule-type.yaml',
    '3:9',
    /unknown schedule type 'weekly'; known types: interval, daily, daily-interval, explicit/,
  ],
  ['bad-daytime.yaml', '5:25', /daytime '24:30:00' is not a time of day/],
  ['interval-wrong-type.yaml', '4:5', /interval: expected a duration, got a mapping/],
  ['phase-not-below-interval.yaml', '5:10', /phase \(3600 s\) must be .*less than the interval \(3600 s\)/],
  ['params-args-mismatch.yaml', '1:16', /missing args \(region\) for job params-args-mismatch/],
  ['undefined-template-name.yaml', '10:54', /name 'business_date' is not defined/],
  ['unknown-program-type.yaml', '5:9', /unknown program type 'docker'; known types: shell, program, no-op/],
  ['missing-program.yaml', '1:1', /the job has no 'program'/],
  ['non-mapping.yaml', '1:1', /a job file must be a mapping of job keys .*got a list/],
  ['empty.yaml', '1:1', /the file is empty/],
  ['bad-tz.yaml', '4:7', /unknown time zone 'America\/New_Yrok'/],
  ['bad-calendar.yaml', '5:13', /unknown calendar 'Mon-Fir'/],
  ['bad-duration-unit.yaml', '4:13', /unknown duration unit 'mins' in '90mins'/],
];

describe('reference bad job files', () => {
  it('covers every file of EXPECTED.md', () => {
    const table = readFileSync(join(REFERENCE, 'bad', 'EXPECTED.md'), 'utf8');
    const listed = [...table.matchAll(/^\| `([^`]+\.yaml)` \|.*\| (\d+:\d+) \|$/gm)].map((m) => [m[1], m[2]]);
    expect(listed).toHaveLength(16);
    expect(listed.map(([f, w]) => `${f} ${w}`).sort()).toEqual(cases.map(([f, w]) => `${f} ${w}`).sort());
  });

  for (const [file, where, message] of cases) {
    it(`${file}: one problem at ${where}`, () => {
      const dir = jobFolder({ [file]: readFileSync(join(REFERENCE, 'bad', file), 'utf8') });
      const result = loadJobFolder(dir, { now: NOW, calendarsDir: null });
      expect(result.jobs.size).toBe(0);
      const [first] = result.problems;
      expect(first, JSON.stringify(result.problems)).toBeDefined();
      expect(`${first?.line}:${first?.col}`).toBe(where);
      expect(first?.path).toBe(file);
      expect(first?.message).toMatch(message);
    });
  }

  it('loads the good jobs of a folder that mixes good and bad files', () => {
    const files: Record<string, string> = {
      'good/a.yaml': 'program: {type: no-op}\n',
      'good/b.yaml': 'schedule: {type: interval, interval: 1h}\nprogram: echo hi\n',
    };
    for (const [file] of cases) files[`bad/${file}`] = readFileSync(join(REFERENCE, 'bad', file), 'utf8');
    const result = loadJobFolder(jobFolder(files), { now: NOW, calendarsDir: null });
    expect([...result.jobs.keys()].sort()).toEqual(['good/a', 'good/b']);
    expect(new Set(result.problems.map((p) => p.path)).size).toBe(16);
    expect(result.failed.size).toBe(16);
  });
});
