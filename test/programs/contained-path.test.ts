// SPEC 7: a templated path of an internal program stays under the directory written before its first expression.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pathEscape } from '../../main/programs/contained-path.js';
import { openApp, waitFor, logOf, type Harness } from '../engine/harness.js';

describe('pathEscape', () => {
  it('accepts renders inside the literal directory, refuses those that climb out', () => {
    const abs = '/opt/apsis/stats/{{ date }}.json';
    expect(pathEscape(abs, '/opt/apsis/stats/2027-01-01.json')).toBeNull();
    expect(pathEscape(abs, '/opt/apsis/stats/a/b.json')).toBeNull();
    expect(pathEscape(abs, '/opt/apsis/stats/../../x.json')).toMatch(/leaves \/opt\/apsis\/stats/);
    expect(pathEscape(abs, '/opt/apsis/statsx.json')).toMatch(/leaves/);
    expect(pathEscape('/opt/apsis/st{{ x }}', '/opt/apsis/stuff')).toBeNull();
    expect(pathEscape('/opt/apsis/st{{ x }}', '/opt/apsis/st/../../etc/passwd')).toMatch(
      /leaves \/opt\/apsis/,
    );
    expect(pathEscape('stats/{{ date }}.json', 'stats/d.json')).toBeNull();
    expect(pathEscape('stats/{{ date }}.json', 'stats/../../etc/x')).toMatch(
      /leaves stats in the job folder/,
    );
    expect(pathEscape('{{ dir }}/x.json', 'sub/x.json')).toBeNull();
    expect(pathEscape('{{ dir }}/x.json', '../x.json')).toMatch(/leaves the job folder/);
    expect(pathEscape('{{ dir }}/x.json', '/etc/x.json')).toMatch(/is absolute/);
  });
});

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('a StatsProgram path with a hostile arg', () => {
  it('ends that run in error naming the path; the file is not written and other runs go on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apsis-stats-'));
    h = openApp({
      'stats.yaml': [
        'params: [date]',
        'program:',
        '  type: apsis.program.internal.stats.StatsProgram',
        `  path: "${dir}/{{ date }}.json"`,
        '',
      ].join('\n'),
    });
    const bad = h.app.engine.createRun('stats', { date: '../../tmp/evil' });
    const good = h.app.engine.createRun('stats', { date: '2027-01-01' });
    await waitFor(h.app, bad, 'error');
    await waitFor(h.app, good, 'success');
    expect(logOf(h.app, bad.runId).at(-1)).toMatch(
      new RegExp(`^error: path: '${dir}/\\.\\./\\.\\./tmp/evil\\.json' leaves ${dir}`),
    );
    expect(readdirSync(dir)).toEqual(['2027-01-01.json']);
  });
});
