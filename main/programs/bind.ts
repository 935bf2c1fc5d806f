/** Binding a program to a run: every templated field rendered with the run's names (SPEC 7), values checked. */
import { isTemplated } from '../jobs/templated.js';
import { parseDuration } from '../time/durations.js';
import { pathEscape } from './contained-path.js';
import { renderTemplate, type TemplateOptions } from '../templating/index.js';
import { normalizeSignal } from './signals.js';
import type { PROCESS_TYPES, SHELL_TYPES } from './spec.js';
import {
  ARCHIVE_TYPE,
  STATS_TYPE,
  VACUUM_TYPE,
  type DurationField,
  type ProgramSpec,
  type StopSpec,
  type TimeoutSpec,
} from './spec.js';

export interface BoundStop {
  signal: string;
  /** Seconds. */
  grace_period: number;
}

export interface BoundTimeout {
  /** Seconds. */
  duration: number;
  signal: string;
}

interface ProcessCommon {
  user?: string;
  /** Where it runs: a host or host group (SPEC 24.1); absent: this host. */
  host?: string;
  /** Procstar's name for the host group; `default`, unless host_groups defines it, is this host (SPEC 6.1). */
  group_id?: string;
  timeout?: BoundTimeout;
  stop: BoundStop;
}

/** A bound program that runs a local process (shell or argv): one with stop settings. */
export type BoundProcessProgram = Extract<BoundProgram, { stop: BoundStop }>;

/** Whether `program` runs a local process. */
export function isProcessProgram(program: BoundProgram | null): program is BoundProcessProgram {
  return program !== null && 'stop' in program;
}

export type BoundProgram =
  | ({ type: (typeof SHELL_TYPES)[number]; command: string } & ProcessCommon)
  | ({ type: (typeof PROCESS_TYPES)[number]; argv: string[] } & ProcessCommon)
  | { type: 'no-op'; duration: number | null; success: boolean | null }
  | { type: typeof STATS_TYPE; path: string | null }
  | {
      type: typeof ARCHIVE_TYPE;
      age: number;
      count: number;
      path: string;
      chunk_size: number | null;
      chunk_sleep: number | null;
    }
  | { type: typeof VACUUM_TYPE };

/** The names templates see, and how they find calendar files. */
interface BindVars {
  names: Record<string, string>;
  options: TemplateOptions;
}

/** Thrown inside binding; caught and returned as an error value by bindProgram. */
class BindError extends Error {}

function render(source: string, vars: BindVars, what: string): string {
  if (!isTemplated(source)) return source;
  const result = renderTemplate(source, vars.names, vars.options);
  if (!result.ok) throw new BindError(`${what}: ${result.error.message}`);
  return result.value;
}

/** A templated path that must stay under its literal directory (SPEC 7). */
function containedPath(source: string, vars: BindVars, what: string): string {
  const rendered = render(source, vars, what);
  const escape = isTemplated(source) ? pathEscape(source, rendered) : null;
  if (escape !== null) throw new BindError(`${what}: ${escape}`);
  return rendered;
}

function duration(field: DurationField, vars: BindVars, what: string): number {
  if (typeof field === 'number') return field;
  const parsed = parseDuration(render(field, vars, what));
  if (!parsed.ok) throw new BindError(`${what}: ${parsed.message}`);
  return parsed.seconds;
}

function integer(field: number | string, vars: BindVars, what: string): number {
  if (typeof field === 'number') return field;
  const text = render(field, vars, what).trim();
  if (!/^\d+$/.test(text)) throw new BindError(`${what}: '${text}' is not a whole number`);
  return Number(text);
}

function signal(field: string, vars: BindVars, what: string): string {
  const text = render(field, vars, what);
  const name = normalizeSignal(text);
  if (name === null) throw new BindError(`${what}: unknown signal '${text}'`);
  return name;
}

function bindStop(stop: StopSpec | undefined, vars: BindVars): BoundStop {
  if (stop === undefined) return { signal: 'SIGTERM', grace_period: 60 };
  return {
    signal: signal(stop.signal, vars, 'stop signal'),
    grace_period: duration(stop.grace_period, vars, 'stop grace_period'),
  };
}

function bindTimeout(timeout: TimeoutSpec | undefined, vars: BindVars): { timeout?: BoundTimeout } {
  if (timeout === undefined) return {};
  return {
    timeout: {
      duration: duration(timeout.duration, vars, 'timeout duration'),
      signal: signal(timeout.signal, vars, 'timeout signal'),
    },
  };
}

function bindUser(user: string | undefined, vars: BindVars): { user?: string } {
  return user === undefined ? {} : { user: render(user, vars, 'user') };
}

function bindHost(
  spec: { host?: string; group_id?: string },
  vars: BindVars,
): { host?: string; group_id?: string } {
  return {
    ...(spec.host === undefined ? {} : { host: render(spec.host, vars, 'host').trim() }),
    ...(spec.group_id === undefined ? {} : { group_id: render(spec.group_id, vars, 'group_id').trim() }),
  };
}

function bind(spec: ProgramSpec, vars: BindVars): BoundProgram {
  switch (spec.type) {
    case 'shell':
    case 'apsis.program.process.ShellCommandProgram':
    case 'procstar-shell':
      return {
        type: spec.type,
        command: render(spec.command, vars, 'command'),
        ...bindUser(spec.user, vars),
        ...bindHost(spec, vars),
        ...bindTimeout(spec.timeout, vars),
        stop: bindStop(spec.stop, vars),
      };
    case 'program':
    case 'apsis.program.process.ProcessProgram':
    case 'procstar':
      return {
        type: spec.type,
        argv: spec.argv.map((a, i) => render(a, vars, `argv[${i}]`)),
        ...bindUser(spec.user, vars),
        ...bindHost(spec, vars),
        ...bindTimeout(spec.timeout, vars),
        stop: bindStop(spec.stop, vars),
      };
    case 'no-op':
      return {
        type: 'no-op',
        duration: spec.duration === undefined ? null : duration(spec.duration, vars, 'duration'),
        success: spec.success,
      };
    case STATS_TYPE:
      return {
        type: STATS_TYPE,
        path: spec.path === undefined ? null : containedPath(spec.path, vars, 'path'),
      };
    case ARCHIVE_TYPE:
      return {
        type: ARCHIVE_TYPE,
        age: duration(spec.age, vars, 'age'),
        count: integer(spec.count, vars, 'count'),
        path: containedPath(spec.path, vars, 'path'),
        chunk_size: spec.chunk_size === undefined ? null : integer(spec.chunk_size, vars, 'chunk_size'),
        chunk_sleep: spec.chunk_sleep === undefined ? null : duration(spec.chunk_sleep, vars, 'chunk_sleep'),
      };
    case VACUUM_TYPE:
      return { type: VACUUM_TYPE };
  }
}

/** Binds `spec` with the run's template names; an error message instead when a template or value fails. */
export function bindProgram(
  spec: ProgramSpec,
  names: Record<string, string>,
  options: TemplateOptions = {},
): { ok: true; program: BoundProgram } | { ok: false; error: string } {
  try {
    return { ok: true, program: bind(spec, { names, options }) };
  } catch (e) {
    if (e instanceof BindError) return { ok: false, error: e.message };
    throw e;
  }
}

/** One-line description (the `str` of the API, SPEC 15.2). */
export function programStr(p: BoundProgram): string {
  switch (p.type) {
    case 'shell':
    case 'apsis.program.process.ShellCommandProgram':
    case 'procstar-shell':
      return p.command;
    case 'program':
    case 'apsis.program.process.ProcessProgram':
    case 'procstar':
      return p.argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
    case 'no-op':
      return p.duration === null ? 'no-op' : `no-op for ${p.duration} s`;
    case STATS_TYPE:
      return p.path === null ? 'internal stats' : `internal stats to ${p.path}`;
    case ARCHIVE_TYPE:
      return `archive runs older than ${p.age} s to ${p.path}`;
    case VACUUM_TYPE:
      return 'vacuum database';
  }
}
