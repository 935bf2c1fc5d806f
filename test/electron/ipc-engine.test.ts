// Good input works end to end: IPC handlers over a real engine on a temp folder and database (SPEC 15, 16, 16.4).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReloadResult, SummaryMessage } from '../../shared/api/console-api.js';
import { EVENTS, type EventPayloads } from '../../shared/api/ipc.js';
import type { JobJson } from '../../shared/model/job.js';
import type { RunJson, RunLogEntry } from '../../shared/model/run.js';
import { waitFor } from '../engine/harness.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { appOf, openDesktop, openDesktopOn, type Desktop } from './desktop-harness.js';

let d: Desktop | undefined;
afterEach(async () => {
  await d?.close();
  d = undefined;
});

describe('IPC requests against a real engine', () => {
  it('schedules a no-op run that succeeds; run, log, output, jobs and fuzzy job match answer', async () => {
    d = await openDesktopOn({
      'ops/nightly-noop.yaml': 'program: {type: no-op}\n',
      'echo.yaml': 'program: echo hello from $APSIS_JOB_ID\n',
    });
    const [run] = await d.value<RunJson[]>('schedule', [{ job_id: 'nightly', args: {} }]);
    expect(run?.job_id).toBe('ops/nightly-noop');
    await waitFor(appOf(d), run?.run_id ?? '', 'success');
    const got = await d.value<RunJson>('run', [run?.run_id]);
    expect(got.state).toBe('success');
    const log = await d.value<RunLogEntry[]>('runLog', [run?.run_id]);
    expect(log.map((e) => e.message)).toEqual(['scheduled: now', 'starting', 'running', 'success']);

    const [echo] = await d.value<RunJson[]>('schedule', [{ job_id: 'echo', args: {} }]);
    await waitFor(appOf(d), echo?.run_id ?? '', ['success', 'failure', 'error']);
    expect(await d.value('output', [echo?.run_id])).toBe('hello from echo\n');

    const jobs = await d.value<JobJson[]>('jobs', []);
    expect(jobs.map((j) => j.job_id)).toEqual(['echo', 'ops/nightly-noop']);
    expect((await d.value<JobJson>('job', ['nightly'])).file).toBe('ops/nightly-noop.yaml');
  });

  it('refusals come back as values with the status and message of the HTTP API', async () => {
    d = await openDesktopOn({ 'x.yaml': 'program: {type: no-op}\n', 'xy.yaml': 'program: {type: no-op}\n' });
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const [run] = await d.value<RunJson[]>('schedule', [
      { job_id: 'x', args: {}, schedule: later, stop: '10m' },
    ]);
    expect(run?.state).toBe('scheduled');
    expect(run?.times['stop']).toBe(new Date(Date.parse(later) + 600_000).toISOString());
    const id = run?.run_id ?? '';
    expect(await d.value('operate', [id, 'skip'])).toEqual({});
    expect(await d.call('operate', [id, 'skip'])).toEqual({
      ok: false,
      error: { status: 400, message: `can't skip ${id} in state skipped` },
    });
    expect(await d.call('run', ['r999999'])).toEqual({
      ok: false,
      error: { status: 404, message: 'no run r999999' },
    });
    expect(await d.call('job', ['nope'])).toMatchObject({ ok: false, error: { status: 404 } });
    expect(await d.call('schedule', [{ job_id: 'nope', args: {} }])).toMatchObject({
      ok: false,
      error: { status: 400, message: 'no job id match: nope' },
    });
    expect(await d.call('schedule', [{ job_id: 'x', args: {}, schedule: 'tomorrow' }])).toMatchObject({
      ok: false,
      error: {
        status: 400,
        message: "times.schedule: 'tomorrow' is not an ISO 8601 time with an offset or Z",
      },
    });
    expect(await d.value('mark', [id, 'success'])).toBeUndefined();
    expect(await d.call('mark', [id, 'success'])).toMatchObject({ ok: false, error: { status: 400 } });
    expect(await d.call('signal', [id, 'TERM'])).toMatchObject({ ok: false, error: { status: 400 } });
    const rerun = await d.value<{ run_id: string }>('operate', [id, 'rerun']);
    expect(rerun.run_id).toMatch(/^r\d+$/);
  });

  it('reloads the job folder: a dry run changes nothing, a reload adds the new job', async () => {
    const desktop = await openDesktopOn({ 'a.yaml': 'program: {type: no-op}\n' });
    d = desktop;
    writeFileSync(join(desktop.folder, 'b.yaml'), 'program: {type: no-op}\n');
    writeFileSync(join(desktop.folder, 'bad.yaml'), 'program: {type: shel}\n');
    const dry = await d.value<ReloadResult>('reload', [true]);
    expect(dry).toMatchObject({ added: ['b'], dry_run: true });
    expect((await d.value<JobJson[]>('jobs', [])).map((j) => j.job_id)).toEqual(['a']);
    const done = await d.value<ReloadResult>('reload', [false]);
    expect(done).toMatchObject({ added: ['b'], removed: [], dry_run: false });
    expect(done.errors.map((e) => e.path)).toEqual(['bad.yaml']);
    expect((await d.value<JobJson[]>('jobs', [])).map((j) => j.job_id)).toEqual(['a', 'b']);
  });

  it('answers stats, the stats history and its CSV', async () => {
    d = await openDesktopOn({ 'a.yaml': 'program: {type: no-op}\n' });
    const store = appOf(d).store;
    store.insertStats(1_773_235_800, { time: '2026-03-11T13:30:00.000Z', runs: { num_running: 2 } });
    store.insertStats(1_773_235_810, { time: '2026-03-11T13:30:10.000Z', runs: { num_running: 5 } });
    expect(await d.value('stats', [])).toMatchObject({ version: '0.1.0' });
    const from = '2026-03-11T13:30:00Z';
    const history = await d.value<{ time: number; stats: { runs: { num_running: number } } }[]>(
      'statsHistory',
      [from, '2026-03-11T13:31:00Z', null],
    );
    expect(history.map((h) => h.stats.runs.num_running)).toEqual([2, 5]);
    const stepped = await d.value<{ stats: { runs: { num_running: number } } }[]>('statsHistory', [
      from,
      '2026-03-11T13:31:00Z', // not up to now: the engine's own samples would join in
      60,
    ]);
    expect(stepped.map((h) => h.stats.runs.num_running)).toEqual([5]);
    expect(await d.value('statsCsv', [from, '2026-03-11T13:31:00Z'])).toBe(
      'time,runs.num_running\r\n2026-03-11T13:30:00.000Z,2\r\n2026-03-11T13:30:10.000Z,5\r\n',
    );
    expect(await d.call('statsCsv', ['yesterday', null])).toMatchObject({
      ok: false,
      error: {
        status: 400,
        message: "from: 'yesterday' is not an ISO 8601 time with an offset or Z, nor epoch seconds",
      },
    });
  });

  it('without an open folder, engine requests answer 503 naming the way on', async () => {
    d = openDesktop();
    expect(await d.call('jobs', [])).toEqual({
      ok: false,
      error: { status: 503, message: 'no job folder is open: use File > Open Job Folder' },
    });
    expect(await d.value('folder', [])).toEqual({ path: null, recent: [] });
  });
});

describe('live events over IPC', () => {
  const summaries = (desktop: Desktop): EventPayloads['summary'][] =>
    desktop.contents.payloads(EVENTS.summary) as EventPayloads['summary'][];
  const types = (messages: SummaryMessage[]): string[] => messages.map((m) => m.type);

  it('the summary stream sends init with reset, then batches changes after 0.5 s', async () => {
    const clock = new FakeClock(Date.parse('2026-03-11T13:30:00Z'));
    d = await openDesktopOn({ 'a.yaml': 'program: {type: no-op}\n' }, { clock });
    await d.value('subscribeSummary', ['sum1']);
    // Init frames go out paced, one per event-loop turn.
    const desktop = d;
    await expect.poll(() => summaries(desktop).length).toBe(1);
    const [init] = summaries(d);
    expect(init).toMatchObject({ sub: 'sum1', reset: true });
    expect(types(init?.messages ?? [])).toEqual(['job', 'job_errors']);

    const [run] = await d.value<RunJson[]>('schedule', [{ job_id: 'a', args: {} }]);
    await clock.advance(100);
    expect(summaries(d)).toHaveLength(1); // nothing before the batch is due
    await clock.advance(400);
    const batch = summaries(d)[1];
    expect(batch).toMatchObject({ sub: 'sum1', reset: false });
    const states = (batch?.messages ?? []).map((m) =>
      m.type === 'run_transition' ? m.run_summary.state : m.type,
    );
    expect(states).toEqual(['scheduled', 'starting', 'running', 'success']);
    expect(run?.run_id).toBe((batch?.messages[0] as { run_summary: { run_id: string } }).run_summary.run_id);

    await d.value('unsubscribe', ['sum1']);
    await d.value('schedule', [{ job_id: 'a', args: {} }]);
    await clock.advance(1000);
    expect(summaries(d)).toHaveLength(2);
    expect(d.subscriptions.size).toBe(0);
  });

  it('a run stream starts with the run, its log and outputs; an output stream sends text then done', async () => {
    d = await openDesktopOn({ 'echo.yaml': 'program: printf "héllo\\n"\n' });
    const [run] = await d.value<RunJson[]>('schedule', [{ job_id: 'echo', args: {} }]);
    const id = run?.run_id ?? '';
    await waitFor(appOf(d), id, ['success', 'failure', 'error']);
    await d.value('subscribeRun', ['run1', id]);
    const [first] = d.contents.payloads(EVENTS.run) as EventPayloads['run'][];
    expect(first?.sub).toBe('run1');
    expect(first?.message.run?.state).toBe('success');
    expect(first?.message.run_log?.at(-1)?.message).toBe('success');
    expect(first?.message.outputs?.['output']?.length).toBe(7);

    await d.value('subscribeOutput', ['out1', id, 1]);
    expect(d.contents.payloads(EVENTS.output)).toEqual([
      { sub: 'out1', text: 'éllo\n', end: 7 },
      { sub: 'out1', done: true },
    ]);
    expect(await d.call('subscribeRun', ['run2', 'r424242'])).toMatchObject({
      ok: false,
      error: { status: 404 },
    });
  });

  it('output of a running run streams as it is written, then ends when the run does', async () => {
    d = await openDesktopOn({ 'slow.yaml': 'program: echo one; sleep 0.4; echo two\n' });
    const [run] = await d.value<RunJson[]>('schedule', [{ job_id: 'slow', args: {} }]);
    const id = run?.run_id ?? '';
    await waitFor(appOf(d), id, 'running');
    await d.value('subscribeOutput', ['out', id, 0]);
    await waitFor(appOf(d), id, ['success', 'failure', 'error']);
    const payloads = d.contents.payloads(EVENTS.output) as EventPayloads['output'][];
    const text = payloads.map((p) => ('text' in p ? p.text : '')).join('');
    expect(text).toBe('one\ntwo\n');
    expect(payloads.at(-1)).toEqual({ sub: 'out', done: true });
    const ends = payloads.flatMap((p) => ('end' in p ? [p.end] : []));
    expect(ends.at(-1)).toBe(8);
  });

  it('a destroyed renderer loses its subscriptions instead of breaking the engine', async () => {
    const clock = new FakeClock(Date.parse('2026-03-11T13:30:00Z'));
    d = await openDesktopOn({ 'a.yaml': 'program: {type: no-op}\n' }, { clock });
    await d.value('subscribeSummary', ['s']);
    d.contents.destroyed = true;
    appOf(d).engine.createRun('a', {});
    await clock.advance(500);
    expect(d.subscriptions.size).toBe(0);
  });
});
