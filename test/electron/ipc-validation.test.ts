// Every IPC channel refuses foreign senders and bad input before doing anything (SPEC 16.4, STYLE.md section 3).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REQUEST_NAMES, REQUESTS, type RequestName } from '../../shared/api/ipc.js';
import { FakeWebContents } from '../fakes/electron.js';
import { appOf, openDesktopOn, type Desktop } from './desktop-harness.js';

// The glue under test must never load Electron: importing it here would throw.
vi.mock('electron', () => {
  throw new Error('tests must not load electron');
});

let d: Desktop | undefined;
afterEach(async () => {
  await d?.close();
  d = undefined;
});

/** Inputs each request must refuse: wrong types, missing or extra arguments, values out of range. */
const BAD: Record<RequestName, unknown[][]> = {
  jobs: [['extra']],
  job: [[], [''], [1], [null], [{}], ['a', 'b'], ['x\u0000y'], ['x'.repeat(5000)]],
  run: [[], [5], [['r1']]],
  runLog: [[null], [true]],
  output: [[[]], [undefined]],
  schedule: [
    ['x'],
    [{}],
    [{ job_id: 1, args: {} }],
    [{ job_id: '', args: {} }],
    [{ job_id: 'x' }],
    [{ job_id: 'x', args: { a: 1 } }],
    [{ job_id: 'x', args: [] }],
    [{ job_id: 'x', args: {}, job: { program: { type: 'shell', command: 'true' } } }],
    [{ job_id: 'x', args: {}, schedule: 5 }],
    [{ job_id: 'x', args: {}, stop: '' }],
    [{ job_id: 'x', args: {} }, 'extra'],
  ],
  operate: [['r1'], ['r1', 'explode'], [1, 'start'], ['r1', 'START']],
  signal: [['r1'], ['r1', 15], ['r1', 'TERM; rm -rf /'], ['r1', '']],
  mark: [['r1', 'running'], ['r1', 'bogus'], ['r1'], ['r1', null]],
  reload: [[], ['true'], [1], [null]],
  runs: [
    [],
    [null],
    [{ state: 'bogus' }],
    [{ state: ['failure', 7] }],
    [{ since: 5 }],
    [{ job_id: '' }],
    [{ run_ids: 'r1' }],
    [{ args: { a: 1 } }],
    [{ nope: 1 }],
  ],
  attention: [[], ['1w'], [1], [null, null]],
  plan: [[], [null, null], [1, null, null], [null, null, ''], [null, null, 5], ['x'.repeat(100), null, null]],
  stats: [[{}]],
  statsHistory: [
    [null, null],
    [1, null, null],
    [null, null, 0],
    [null, null, -1],
    [null, null, '60'],
    ['', null, null],
  ],
  statsCsv: [[null], [null, 5], ['x'.repeat(100), null]],
  subscribeSummary: [[], ['bad id!'], ['x'.repeat(65)], [7]],
  subscribeRun: [['s1'], ['s1', 3], ['../s', 'r1']],
  subscribeOutput: [
    ['s1', 'r1'],
    ['s1', 'r1', -1],
    ['s1', 'r1', 1.5],
    ['s1', 'r1', '0'],
  ],
  unsubscribe: [[1], []],
  folder: [['x']],
  openFolder: [[true]],
  openRecent: [[], [42], ['']],
  revealJobFile: [[null], []],
  showJobFolder: [[1]],
  saveStatsCsv: [[], [null], [null, 1]],
};

const FOREIGN: { what: string; url: string | null; other?: true }[] = [
  { what: 'a remote page', url: 'https://evil.example/index.html' },
  { what: 'a file: page', url: 'file:///etc/passwd' },
  { what: 'another app host', url: 'app://evil/index.html' },
  { what: 'a look-alike host', url: 'app://app.evil.example/index.html' },
  { what: 'credentials in the URL', url: 'app://user@app/index.html' },
  { what: 'a data: URL', url: 'data:text/html,<script>1</script>' },
  { what: 'a frame that is gone', url: null },
  { what: 'another webContents on app://', url: 'app://app/index.html', other: true },
];

/** A harmless good input per request, so a refusal can only come from the sender check. */
const GOOD: Record<RequestName, unknown[]> = {
  jobs: [],
  job: ['noop'],
  run: ['r1'],
  runLog: ['r1'],
  output: ['r1'],
  schedule: [{ job_id: 'noop', args: {} }],
  operate: ['r1', 'skip'],
  signal: ['r1', 'TERM'],
  mark: ['r1', 'success'],
  reload: [false],
  plan: [null, null, null],
  runs: [{}],
  attention: [null],
  stats: [],
  statsHistory: [null, null, null],
  statsCsv: [null, null],
  subscribeSummary: ['s1'],
  subscribeRun: ['s2', 'r1'],
  subscribeOutput: ['s3', 'r1', 0],
  unsubscribe: ['s1'],
  folder: [],
  openFolder: [],
  openRecent: ['/tmp'],
  revealJobFile: ['noop'],
  showJobFolder: [],
  saveStatsCsv: [null, null],
};

describe('IPC channels', () => {
  it('the bad-input and foreign-sender tables cover every request', () => {
    expect(Object.keys(BAD).sort()).toEqual([...REQUEST_NAMES].sort());
    expect(Object.keys(GOOD).sort()).toEqual([...REQUEST_NAMES].sort());
    for (const name of REQUEST_NAMES) expect(REQUESTS[name].validate(GOOD[name]).ok).toBe(true);
  });

  it('every channel rejects bad input with 400 naming the request, and changes nothing', async () => {
    d = await openDesktopOn({ 'noop.yaml': 'program: {type: no-op}\n' });
    for (const name of REQUEST_NAMES) {
      for (const args of [...BAD[name], 'not an array', null, { 0: 'x' }]) {
        const r = await d.call(name, args);
        expect(r, `${name} ${JSON.stringify(args)}`).toMatchObject({ ok: false, error: { status: 400 } });
        if (!r.ok) expect(r.error.message).toMatch(new RegExp(`^${name}: `));
      }
    }
    expect([...appOf(d).engine.runs.all()]).toEqual([]);
    expect(d.dialog.calls).toEqual([]);
    expect(d.shell.revealed).toEqual([]);
    expect(d.subscriptions.size).toBe(0);
  });

  it('every channel rejects two arguments instead of one argument array', async () => {
    d = await openDesktopOn({ 'noop.yaml': 'program: {type: no-op}\n' });
    for (const name of REQUEST_NAMES) {
      const r = await d.ipcMain.invoke(
        REQUESTS[name].channel,
        {
          sender: d.contents,
          senderFrame: { url: 'app://app/index.html' },
        },
        GOOD[name],
        'more',
      );
      expect(r, name).toMatchObject({ ok: false, error: { status: 400 } });
    }
  });

  it('every channel rejects foreign senders with 403 before looking at the input', async () => {
    d = await openDesktopOn({ 'noop.yaml': 'program: {type: no-op}\n' });
    const other = new FakeWebContents();
    for (const name of REQUEST_NAMES) {
      for (const f of FOREIGN) {
        const r = await d.call(name, GOOD[name], { url: f.url, ...(f.other ? { contents: other } : {}) });
        expect(r, `${name} from ${f.what}`).toEqual({
          ok: false,
          error: { status: 403, message: 'IPC from an unknown frame' },
        });
      }
    }
    expect([...appOf(d).engine.runs.all()]).toEqual([]);
    expect(d.dialog.calls).toEqual([]);
    expect(d.shell.revealed).toEqual([]);
    expect(d.shell.openedPaths).toEqual([]);
    expect(d.subscriptions.size).toBe(0);
    expect(d.contents.sent).toEqual([]);
    expect(d.log.lines.some((l) => l.includes('refused IPC from "https://evil.example/index.html"'))).toBe(
      true,
    );
  });

  it('validators name the bad field', () => {
    const fail = (name: RequestName, args: unknown[]): string => {
      const r = REQUESTS[name].validate(args);
      return r.ok ? 'ok' : r.error.message;
    };
    expect(fail('job', [3])).toBe('job: jobId must be a non-empty string');
    expect(fail('mark', ['r1', 'running'])).toBe(
      'mark: state must be one of success, failure, error, skipped',
    );
    expect(fail('schedule', [{ job_id: 'x', args: { a: 1 } }])).toBe(
      'schedule: request args must be a mapping of names to strings',
    );
    expect(fail('schedule', [{ job_id: 'x', args: {}, when: 'now' }])).toBe(
      'schedule: request has unknown field when; use job_id, args, schedule, stop',
    );
    expect(fail('operate', ['r1'])).toBe('operate: takes 2 argument(s), got 1');
    expect(fail('statsHistory', [null, null, 0])).toBe(
      'statsHistory: step must be null or a number of seconds greater than 0',
    );
  });
});
