/** User commands against a running server (SPEC 18.5). */
import WebSocket from 'ws';
import { formatProblem, type Problem } from '../../shared/model/problem.js';
import type { RunJson, RunLogEntry } from '../../shared/model/run.js';
import { FINISHED_STATES, isFinished, isRunState, RUN_STATES } from '../../shared/model/states.js';
import { parseDuration } from '../time/durations.js';
import { parseInstant } from '../time/instants.js';
import { parseDaytime } from '../time/daytime.js';
import { resolveLocal, toLocal } from '../time/zones.js';
import { ApsisClient } from './client.js';
import type { CliIo } from './io.js';
import { parseCommandArgs, UsageError } from './usage.js';

const COMMON = { url: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' } } as const;

type Command = (args: string[], io: CliIo) => Promise<number>;

function argsOf(pairs: string[], command: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq < 1) throw new UsageError(`apsis ${command}: '${p}' is not NAME=VALUE`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

function runLine(r: RunJson): string {
  const args = Object.entries(r.args)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const t = r.times['schedule'] ?? r.times['running'] ?? '';
  return `${r.run_id.padEnd(8)} ${r.state.padEnd(9)} ${t.padEnd(24)} ${r.job_id}${args === '' ? '' : ` ${args}`}`;
}

function print(io: CliIo, json: boolean, value: unknown, text: () => string[]): void {
  if (json) io.out(JSON.stringify(value, null, 2));
  else for (const line of text()) io.out(line);
}

const jobs: Command = async (args, io) => {
  const { values } = parseCommandArgs('jobs', args, { ...COMMON, label: { type: 'string' } });
  const client = ApsisClient.from(values);
  const label = typeof values['label'] === 'string' ? `?label=${encodeURIComponent(values['label'])}` : '';
  const list = await client.json<{ job_id: string; params: string[]; next_time: string | null }[]>(
    'GET',
    `/api/v1/jobs${label}`,
  );
  print(io, values['json'] === true, list, () =>
    list.map((j) => `${j.job_id.padEnd(40)} ${(j.next_time ?? '—').padEnd(24)} ${j.params.join(', ')}`),
  );
  return 0;
};

const job: Command = async (args, io) => {
  const { values, positionals } = parseCommandArgs('job', args, COMMON);
  if (positionals.length !== 1) throw new UsageError('apsis job: expected one JOB');
  const j = await ApsisClient.from(values).json<Record<string, unknown>>(
    'GET',
    `/api/v1/jobs/${encodeURIComponent(positionals[0] as string)}`,
  );
  io.out(JSON.stringify(j, null, 2));
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
  const list = await ApsisClient.from(values).runs(`/api/v1/runs?${q.toString()}`);
  list.sort((a, b) => Number(a.run_id.slice(1)) - Number(b.run_id.slice(1)));
  print(io, values['json'] === true, list, () => list.map(runLine));
  return 0;
};

const run: Command = async (args, io) => {
  const { values, positionals } = parseCommandArgs('run', args, COMMON);
  if (positionals.length === 0) throw new UsageError('apsis run: expected RUN...');
  const client = ApsisClient.from(values);
  for (const id of positionals) {
    const [r] = await client.runs(`/api/v1/runs/${encodeURIComponent(id)}`);
    const log = (
      await client.json<{ run_log: RunLogEntry[] }>('GET', `/api/v1/runs/${encodeURIComponent(id)}/log`)
    ).run_log;
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
  const created = await ApsisClient.from(values).json<{ runs: Record<string, RunJson> }>(
    'POST',
    `/api/v1/runs?count=${count}`,
    {
      job_id: jobId,
      args: argsOf(pairs, 'schedule'),
      times,
    },
  );
  const list = Object.values(created.runs);
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
    const client = ApsisClient.from(values);
    for (const id of ids) {
      const r = await client.json<{ show_run_id?: string }>('POST', path(encodeURIComponent(id), extra));
      if (r.show_run_id !== undefined) io.out(r.show_run_id);
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

const output: Command = async (args) => {
  const { values, positionals } = parseCommandArgs('output', args, {
    ...COMMON,
    follow: { type: 'boolean', short: 'f' },
  });
  if (positionals.length !== 1) throw new UsageError('apsis output: expected one RUN');
  const client = ApsisClient.from(values);
  const id = encodeURIComponent(positionals[0] as string);
  if (values['follow'] !== true) {
    const r = await client.request('GET', `/api/v1/runs/${id}/output/output`);
    process.stdout.write(Buffer.from(await r.arrayBuffer()));
    return 0;
  }
  await new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(client.wsUrl(`/api/v1/runs/${id}/output/output/updates`), {
      headers: client.headers(),
    });
    ws.on('message', (data: Buffer) => {
      const split = data.indexOf('\r\n\r\n');
      process.stdout.write(data.subarray(split + 4));
    });
    ws.on('close', () => resolve());
    ws.on('error', reject);
  });
  return 0;
};

const watch: Command = async (args, io) => {
  const { values, positionals } = parseCommandArgs('watch', args, COMMON);
  if (positionals.length !== 1) throw new UsageError('apsis watch: expected one RUN');
  const client = ApsisClient.from(values);
  const id = encodeURIComponent(positionals[0] as string);
  return new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(client.wsUrl(`/api/v1/runs/${id}/updates?init`), { headers: client.headers() });
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as {
        run?: { state: string };
        run_log?: RunLogEntry[];
        run_log_append?: RunLogEntry;
      };
      for (const e of m.run_log ?? []) io.out(`${e.timestamp}  ${e.message}`);
      if (m.run_log_append !== undefined)
        io.out(`${m.run_log_append.timestamp}  ${m.run_log_append.message}`);
      const state = m.run?.state;
      if (state !== undefined && isRunState(state) && isFinished(state)) {
        ws.close();
        resolve(state === 'success' ? 0 : 1);
      }
    });
    ws.on('error', reject);
  });
};

const reload: Command = async (args, io) => {
  const { values } = parseCommandArgs('reload', args, { ...COMMON, 'dry-run': { type: 'boolean' } });
  const r = await ApsisClient.from(values).json<{
    added: string[];
    removed: string[];
    changed: string[];
    errors: Problem[];
  }>('POST', `/api/control/reload_jobs${values['dry-run'] === true ? '?dry_run=true' : ''}`);
  print(io, values['json'] === true, r, () => [
    ...r.errors.map(formatProblem),
    `added ${r.added.length}, changed ${r.changed.length}, removed ${r.removed.length}${values['dry-run'] === true ? ' (dry run)' : ''}`,
  ]);
  return r.errors.length > 0 ? 1 : 0;
};

const shutDown: Command = async (args) => {
  const { values } = parseCommandArgs('shut-down', args, COMMON);
  await ApsisClient.from(values).request('POST', '/api/control/shut_down');
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
