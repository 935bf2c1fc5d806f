// A throw while reading one job file is a bug of ours (issue 19): that file gets one problem without the engine's
// error text, the other files load, and the details go to the notes (stderr of `apsis check`). The throws are
// injected, since the point of the loader is that none is known.
import { describe, expect, it, vi } from 'vitest';
import { formatProblem } from '../../shared/model/problem.js';
import { loadJobFolder } from '../../main/jobs/load-folder.js';
import { jobFolder } from '../helpers/folders.js';
import type * as ParseJob from '../../main/jobs/parse-job.js';
import type * as JobChecks from '../../main/jobs/job-checks.js';

vi.mock('../../main/jobs/parse-job.js', async (importOriginal) => {
  const real = await importOriginal<typeof ParseJob>();
  return {
    ...real,
    parseJobFile: (...args: Parameters<typeof real.parseJobFile>) => {
      if (args[0] === 'parse-bug.yaml') throw new RangeError('Maximum call stack size exceeded');
      return real.parseJobFile(...args);
    },
  };
});

vi.mock('../../main/jobs/job-checks.js', async (importOriginal) => {
  const real = await importOriginal<typeof JobChecks>();
  return {
    ...real,
    checkJobTemplates: (...args: Parameters<typeof real.checkJobTemplates>) => {
      if (args[0].ctx.path === 'check-bug.yaml')
        throw new TypeError("Cannot read properties of undefined (reading 'x')");
      real.checkJobTemplates(...args);
    },
  };
});

const GOOD = 'schedule: {type: interval, interval: 1h}\nprogram: echo ok\n';
const BUG =
  'Apsis Console failed while reading this file: this is a bug, please report it with the file; the other files are not affected';

describe('a bug while reading one file', () => {
  it("is that file's one problem, in words; the other files load; the details are a note", () => {
    const dir = jobFolder({ 'a.yaml': GOOD, 'parse-bug.yaml': GOOD, 'check-bug.yaml': GOOD, 'z.yaml': GOOD });
    const result = loadJobFolder(dir, { now: Date.parse('2027-01-01T00:00:00Z'), calendarsDir: null });
    expect([...result.jobs.keys()].sort()).toEqual(['a', 'z']);
    expect(result.problems.map(formatProblem)).toEqual([`check-bug.yaml: ${BUG}`, `parse-bug.yaml: ${BUG}`]);
    expect([...result.failed].sort()).toEqual(['check-bug', 'parse-bug']);
    expect(result.notes).toHaveLength(2);
    expect(result.notes[0]).toMatch(
      /^parse-bug\.yaml: internal error: RangeError: Maximum call stack size exceeded/,
    );
    expect(result.notes[1]).toMatch(/^check-bug\.yaml: internal error: TypeError: Cannot read properties/);
  });
});
