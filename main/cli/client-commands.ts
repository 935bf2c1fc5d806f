/** User commands against a running server (SPEC 18.5). */
import { formatProblem } from '../../shared/model/problem.js';
import { FINISHED_STATES, isFinished, isRunState, RUN_STATES } from '../../shared/model/states.js';
import { parseDuration } from '../time/durations.js';
import { parseInstant } from '../time/instants.js';
import { parseDaytime } from '../time/daytime.js';
import { resolveLocal, toLocal } from '../time/zones.js';
import { ApsisClient, ClientError } from './client.js';
import type { CliIo } from './io.js';
import {
  ANY_OBJECT,
  JsonTextCounter,
  JOB,
  JOB_LIST,
  RELOAD_RESULT,
  RERUN_RESULT,
  RUN_COLLECTION,
  RUN_LOG,
  RUN_STREAM_MESSAGE,
  ShapeError,
} from './replies.js';
import type { RUN_LINE } from './replies.js';
import { escapeControls, jsonText, TerminalEscaper } from './terminal-text.js';
import { parseCommandArgs, UsageError } from './usage.js';

const COMMON = { url: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' } } as const;

type Command = (args: string[], io: CliIo) => Promise<number>;

function clientOf(values: Record<string, unknown>, io: CliIo): ApsisClient {
  return ApsisClient.from(values, io.limits);
}

function argsOf(pairs: string[], command: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq < 1) throw new UsageError(`apsis ${command}: '${p}' is not NAME=VALUE`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

type RunLine = ReturnType<typeof RUN_LINE>;

function runLine(r: RunLine): string {
  const args = Object.entries(r.args)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const t = r.times['schedule'] ?? r.times['running'] ?? '';
  return `${r.run_id.padEnd(8)} ${r.state.padEnd(9)} ${t.padEnd(24)} ${r.job_id}${args === '' ? '' : ` ${args}`}`;
}

/** Runs in run-number order (`r9` before `r10`); IDs of another form after them, in text order. */
function byRunNumber(a: RunLine, b: RunLine): number {
  const n = (id: string): number => (/^r\d{1,15}$/.test(id) ? Number(id.slice(1)) : Infinity);
  return n(a.run_id) - n(b.run_id) || (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0);
}

/** Prints server data: `--json` as JSON, else the text lines; either way with control characters escaped. */
function print(io: CliIo, json: boolean, value: unknown, text: () => string[]): void {
  if (json) io.out(jsonText(value));
  else for (const line of text()) io.out(escapeControls(line));
}

const jobs: Command = async (args, io) => {
  const { values } = parseCommandArgs('jobs', args, { ...COMMON, label: { type: 'string' } });
  const label = typeof values['label'] === 'string' ? `?label=${encodeURIComponent(values['label'])}` : '';
  const list = await clientOf(values, io).json('GET', `/api/v1/jobs${label}`, JOB_LIST);
  print(io, values['json'] === true, list, () =>
    list.map((j) => `${j.job_id.padEnd(40)} ${(j.next_time ?? '—').padEnd(24)} ${j.params.join(', ')}`),
  );
  return 0;
};

const job: Command = async (args, io) => {
  const { values, positionals } = parseCommandArgs('job', args, COMMON);
  if (positionals.length !== 1) throw new UsageError('apsis job: expected one JOB');
  const j = await clientOf(values, io).json(
    'GET',
    `/api/v1/jobs/${encodeURIComponent(positionals[0] as string)}`,
    JOB,
  );
  io.out(jsonText(j));
  return 0;
};

const runs: Command = async (args, io) => {
  const { values, positionals } = parseCommandArgs('runs', args, {
    ...COMMON,
    job: { type: 'string', short: 'j' },
    state: { type: 'string', short: 's' },
    since: { type: 'string' },
  });
  const q = new URLSearchParams();
  if (typeof values['job'] === 'string') q.set('job_id', values['job']);
  if (typeof values['state'] === 'string') {
    if (!isRunState(values['state']))
      throw new UsageError(
        `apsis runs: unknown state '${values['state']}'; states: ${RUN_STATES.join(', ')}`,
      );
    q.set('state', values['state']);
  }
  if (typeof values['since'] === 'string') {
    if (parseInstant(values['since']) === null)
      throw new UsageError(`apsis runs: --since '${values['since']}' is not an ISO time with an offset or Z`);
    q.set('since', values['since']);
  }
  for (const [k, v] of Object.entries(argsOf(positionals, 'runs'))) q.set(k, v);
  // The text needs only summaries, a third of the size: a list of 100 000 runs stays well under the reply limit.
  if (values['json'] !== true) q.set('summary', 'true');
  const collection = await clientOf(values, io).json('GET', `/api/v1/runs?${q.toString()}`, RUN_COLLECTION);
  const list = Object.values(collection.runs).sort(byRunNumber);
  print(io, values['json'] === true, list, () => list.map(runLine));
  return 0;
};

const run: Command = async (args, io) => {
  const { values, positionals } = parseCommandArgs('run', args, COMMON);
  if (positionals.length === 0) throw new UsageError('apsis run: expected RUN...');
  const client = clientOf(values, io);
  for (const id of positionals) {
    const path = `/api/v1/runs/${encodeURIComponent(id)}`;
    const [r] = Object.values((await client.json('GET', path, RUN_COLLECTION)).runs);
    const log = (await client.json('GET', `${path}/log`, RUN_LOG)).run_log;
    print(io, values['json'] === true, { run: r, run_log: log }, () => [
      ...(r === undefined ? [] : [runLine(r)]),
      ...log.map((e) => `  ${e.timestamp}  ${e.message}`),
    ]);
  }
  return 0;
};

/** `now`, `+DURATION`, an ISO instant, or `HH:MM[:SS]` (the next such local time, SPEC 5.2). */
export function parseWhen(text: string, now: number, zone: string): string {
  if (text === 'now') return 'now';
  if (text.startsWith('+')) {
    const d = parseDuration(text.slice(1));
    if (!d.ok) throw new UsageError(`apsis schedule: '${text}': ${d.message}`);
    return new Date(now + d.seconds * 1000).toISOString();
  }
  const instant = parseInstant(text);
  if (instant !== null) return new Date(instant).toISOString();
  const daytime = parseDaytime(text);
  if (daytime === null)
    throw new UsageError(`apsis schedule: TIME '${text}' must be now, +DURATION, an ISO time or HH:MM[:SS]`);
  const { day } = toLocal(now, zone);
  let t = resolveLocal(day, daytime, zone);
  if (t <= now) t = resolveLocal(day + 1, daytime, zone);
  return new Date(t).toISOString();
}

const schedule: Command = async (args, io) => {
  const { values, positionals } = parseCommandArgs('schedule', args, {
    ...COMMON,
    count: { type: 'string' },
    stop: { type: 'string' },
  });
  const [when, jobId, ...pairs] = positionals;
  if (when === undefined || jobId === undefined)
    throw new UsageError('apsis schedule: expected TIME JOB [NAME=VALUE...]');
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const times: Record<string, string> = { schedule: parseWhen(when, io.now(), zone) };
  if (typeof values['stop'] === 'string') times['stop'] = values['stop'];
  const count = typeof values['count'] === 'string' ? values['count'] : '1';
  if (!/^\d+$/.test(count)) throw new UsageError('apsis schedule: --count must be a whole number');
  const created = await clientOf(values, io).json('POST', `/api/v1/runs?count=${count}`, RUN_COLLECTION, {
    job_id: jobId,
    args: argsOf(pairs, 'schedule'),
    times,
  });
  const list = Object.values(created.runs).sort(byRunNumber);
  print(io, values['json'] === true, created, () => list.map(runLine));
  return list.some((r) => r.state === 'error') ? 1 : 0;
};

function operation(name: string, path: (id: string, extra: string) => string, extraName?: string): Command {
  return async (args, io) => {
    const { values, positionals } = parseCommandArgs(name, args, COMMON);
    let extra = '';
    let ids = positionals;
    if (extraName !== undefined) {
      [extra = '', ...ids] = positionals;
      if (extra === '') throw new UsageError(`apsis ${name}: expected ${extraName} RUN...`);
    }
    if (ids.length === 0) throw new UsageError(`apsis ${name}: expected RUN...`);
    const client = clientOf(values, io);
    for (const id of ids) {
      const where = path(encodeURIComponent(id), extra);
      if (name === 'rerun')
        io.out(escapeControls((await client.json('POST', where, RERUN_RESULT)).show_run_id));
      else await client.json('POST', where, ANY_OBJECT);
    }
    return 0;
  };
}

/** A finished state from a prefix (`fail` → failure). */
function finishedState(prefix: string): string {
  const matches = FINISHED_STATES.filter((s) => s.startsWith(prefix.toLowerCase()));
  if (matches.length !== 1)
    throw new UsageError(`apsis mark: '${prefix}' must name one of ${FINISHED_STATES.join(', ')}`);
  return matches[0] as string;
}

/** Malformed frames of a stream: skipped, the first with a warning line, and a count at the end when more. */
function frameWarnings(io: CliIo, command: string, url: string): { skip(why: string): void; end(): void } {
  let count = 0;
  return {
    skip(why) {
      count += 1;
      if (count === 1)
        io.err(escapeControls(`apsis ${command}: warning: skipped a frame from ${url}: ${why}`));
    },
    end() {
      if (count > 1) io.err(`apsis ${command}: warning: skipped ${count} malformed frames in all`);
    },
  };
}

/** The bytes of an output frame (SPEC 16.3: header lines, a blank line, the bytes), or why it is not one. */
function outputFrameBytes(data: Buffer): Buffer | string {
  const split = data.subarray(0, 4096).indexOf('\r\n\r\n');
  if (split < 0) return 'no header block (SPEC 16.3)';
  const bytes = data.subarray(split + 4);
  const length = /^content-length: *(\d+)\s*$/im.exec(data.subarray(0, split).toString('latin1'))?.[1];
  if (length !== undefined && Number(length) !== bytes.length)
    return `Content-Length ${length} but ${bytes.length} bytes`;
  return bytes;
}

const output: Command = async (args, io) => {
  const { values, positionals } = parseCommandArgs('output', args, {
    ...COMMON,
    follow: { type: 'boolean', short: 'f' },
    raw: { type: 'boolean' },
  });
  if (positionals.length !== 1) throw new UsageError('apsis output: expected one RUN');
  const client = clientOf(values, io);
  const id = encodeURIComponent(positionals[0] as string);
  const write = (chunk: Uint8Array | string): Promise<void> =>
    io.write !== undefined
      ? io.write(chunk)
      : new Promise<void>((resolve) => process.stdout.write(chunk, () => resolve()));
  // The bytes as they are for a pipe or a file (the user asked for them); escaped on a terminal unless --raw.
  const escaper = io.isTerminal === true && values['raw'] !== true ? new TerminalEscaper() : null;
  const sink = async (chunk: Uint8Array): Promise<void> => {
    if (escaper === null) await write(chunk);
    else {
      const text = escaper.push(chunk);
      if (text !== '') await write(text);
    }
  };
  try {
    if (values['follow'] !== true) await client.download(`/api/v1/runs/${id}/output/output`, sink);
    else {
      const warnings = frameWarnings(io, 'output', client.url);
      try {
        await client.stream(
          `/api/v1/runs/${id}/output/output/updates`,
          async (data) => {
            const bytes = outputFrameBytes(data);
            if (typeof bytes === 'string') warnings.skip(bytes);
            else await sink(bytes);
            return undefined;
          },
          (code) => {
            // 1000 when the run finished and everything was sent; 1005 from servers that send no code.
            if (code === 1000 || code === 1005) return 0;
            throw new ClientError(
              `the server at ${client.url} closed the output stream before the run finished (WebSocket code ${code})`,
            );
          },
        );
      } finally {
        warnings.end();
      }
    }
    const rest = escaper?.end() ?? '';
    if (rest !== '') await write(rest);
  } catch (e) {
    if ((e as { code?: unknown }).code === 'EPIPE') return 0; // the reader went away (`| head`)
    throw e;
  }
  return 0;
};

const watch: Command = async (args, io) => {
  const { values, positionals } = parseCommandArgs('watch', args, COMMON);
  if (positionals.length !== 1) throw new UsageError('apsis watch: expected one RUN');
  const client = clientOf(values, io);
  const runId = positionals[0] as string;
  const warnings = frameWarnings(io, 'watch', client.url);
  try {
    return await client.stream(
      `/api/v1/runs/${encodeURIComponent(runId)}/updates?init`,
      async (data) => {
        let m: ReturnType<typeof RUN_STREAM_MESSAGE>;
        try {
          new JsonTextCounter().push(data);
          m = RUN_STREAM_MESSAGE(JSON.parse(data.toString('utf8')), '');
        } catch (e) {
          if (e instanceof SyntaxError) warnings.skip(`not JSON (${data.length} bytes)`);
          else if (e instanceof ShapeError) warnings.skip(e.message);
          else throw e;
          return undefined;
        }
        const entries = [...(m.run_log ?? []), ...(m.run_log_append === undefined ? [] : [m.run_log_append])];
        for (const e of entries) io.out(escapeControls(`${e.timestamp}  ${e.message}`));
        await io.flushNow?.();
        const state = m.run?.state;
        if (state !== undefined && isRunState(state) && isFinished(state)) return state === 'success' ? 0 : 1;
        return undefined;
      },
      (code) => {
        throw new ClientError(
          `the server at ${client.url} closed the stream before run ${runId} finished (WebSocket code ${code})`,
        );
      },
    );
  } finally {
    warnings.end();
  }
};

const reload: Command = async (args, io) => {
  const { values } = parseCommandArgs('reload', args, { ...COMMON, 'dry-run': { type: 'boolean' } });
  const dryRun = values['dry-run'] === true;
  const r = await clientOf(values, io).json(
    'POST',
    `/api/control/reload_jobs${dryRun ? '?dry_run=true' : ''}`,
    RELOAD_RESULT,
  );
  print(io, values['json'] === true, r, () => [
    ...r.errors.map(formatProblem),
    `added ${r.added.length}, changed ${r.changed.length}, removed ${r.removed.length}${dryRun ? ' (dry run)' : ''}`,
  ]);
  return r.errors.length > 0 ? 1 : 0;
};

const shutDown: Command = async (args, io) => {
  const { values } = parseCommandArgs('shut-down', args, COMMON);
  await clientOf(values, io).json('POST', '/api/control/shut_down', ANY_OBJECT);
  return 0;
};

export const CLIENT_COMMANDS: Record<string, Command> = {
  jobs,
  job,
  runs,
  run,
  schedule,
  start: operation('start', (id) => `/api/v1/runs/${id}/start`),
  skip: operation('skip', (id) => `/api/v1/runs/${id}/skip`),
  stop: operation('stop', (id) => `/api/v1/runs/${id}/stop`),
  rerun: operation('rerun', (id) => `/api/v1/runs/${id}/rerun`),
  signal: operation('signal', (id, sig) => `/api/v1/runs/${id}/signal/${encodeURIComponent(sig)}`, 'SIG'),
  mark: operation('mark', (id, state) => `/api/v1/runs/${id}/mark/${finishedState(state)}`, 'STATE'),
  output,
  watch,
  reload,
  'shut-down': shutDown,
};
