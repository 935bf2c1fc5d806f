// The user commands of SPEC 18.5 against a running server, as an operator types them.
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../main/cli/main.js';
import type { CliIo } from '../../main/cli/io.js';
import { parseWhen } from '../../main/cli/client-commands.js';
import { waitFor } from '../engine/harness.js';
import { openServer, type ServerHarness } from '../server/server-harness.js';

let h: ServerHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function apsis(...argv: string[]): Promise<{ status: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), now: () => Date.now() };
  const status = await run([...argv, ...(h === undefined ? [] : ['--url', h.url])], io);
  return { status, out, err };
}

describe('client commands', () => {
  it('schedule, runs, run, mark, rerun and watch', async () => {
    h = await openServer({
      'greet.yaml': 'params: [who]\nprogram: echo hi {{ who }}\n',
      'bad.yaml': 'program: "exit 3"\n',
    });
    const scheduled = await apsis('schedule', 'now', 'greet', 'who=ops');
    expect(scheduled.status).toBe(0);
    const runId = scheduled.out[0]?.split(/\s+/)[0] as string;
    expect(runId).toMatch(/^r\d+$/);
    await waitFor(h.app, runId, 'success');
    expect((await apsis('runs', '-j', 'greet', '-s', 'success')).out.join('\n')).toMatch(
      new RegExp(`^${runId}\\s+success .* greet who=ops$`),
    );
    const shown = await apsis('run', runId);
    expect(shown.out.some((l) => l.endsWith('scheduled: now'))).toBe(true);
    expect((await apsis('mark', 'fail', runId)).status).toBe(0);
    expect((await apsis('mark', 'fail', runId)).err.join('')).toMatch(/already in state failure/);
    const rerun = await apsis('rerun', runId);
    expect(rerun.out[0]).toMatch(/^r\d+$/);
    expect(rerun.out[0]).not.toBe(runId);
    const failing = (await apsis('schedule', 'now', 'bad')).out[0]?.split(/\s+/)[0] as string;
    expect((await apsis('watch', failing)).status).toBe(1);
    const good = (await apsis('schedule', 'now', 'greet', 'who=x')).out[0]?.split(/\s+/)[0] as string;
    expect((await apsis('watch', good)).status).toBe(0);
  });

  it('reload --dry-run prints problems in the check format and exits 1', async () => {
    h = await openServer({ 'ok.yaml': 'program: {type: no-op}\n' });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${h.dir}/broken.yaml`, 'program: {type: shel}\n');
    const r = await apsis('reload', '--dry-run');
    expect(r.status).toBe(1);
    expect(r.out[0]).toMatch(/^broken\.yaml:1:17: unknown program type 'shel'/);
    expect(r.out.at(-1)).toBe('added 0, changed 0, removed 0 (dry run)');
  });

  it('bad usage exits 2; an unreachable server exits 1 with a clear line', async () => {
    expect((await apsis('runs', '-s', 'sleeping')).status).toBe(2);
    expect((await apsis('schedule')).status).toBe(2);
    const errs: string[] = [];
    const r = await run(['jobs', '--url', 'http://127.0.0.1:9'], {
      out: () => {},
      err: (l) => errs.push(l),
      now: () => Date.now(),
    });
    expect(r).toBe(1);
    expect(errs.join('\n')).toMatch(/^apsis jobs: cannot reach the Apsis server at http:\/\/127\.0\.0\.1:9/);
  });

  it('reads times as now, +duration, ISO or the next local HH:MM (SPEC 5.2)', () => {
    const now = Date.parse('2024-03-09T15:00:00Z');
    expect(parseWhen('now', now, 'UTC')).toBe('now');
    expect(parseWhen('+90m', now, 'UTC')).toBe('2024-03-09T16:30:00.000Z');
    expect(parseWhen('2024-03-10T00:00:00+01:00', now, 'UTC')).toBe('2024-03-09T23:00:00.000Z');
    expect(parseWhen('14:00', now, 'UTC')).toBe('2024-03-10T14:00:00.000Z');
    expect(parseWhen('02:30', Date.parse('2024-03-09T08:00:00Z'), 'America/New_York')).toBe(
      '2024-03-10T07:30:00.000Z',
    );
  });
});
