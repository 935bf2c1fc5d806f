/**
 * Apsis's bound programs as stored in its `runs.program` column (the `to_jso()` of `python/apsis/program/`) mapped to
 * ours (SPEC 6.1). A mapping is exact or refused with the reason: nothing is guessed.
 */
import type { BoundProgram, BoundStop, BoundTimeout } from '../programs/bind.js';
import { normalizeSignal } from '../programs/signals.js';
import { ARCHIVE_TYPE, STATS_TYPE, VACUUM_TYPE } from '../programs/spec.js';
import { parseDuration } from '../time/durations.js';
import { Fields, type Mapped } from './fields.js';

const AGENT = 'apsis.program.agent.BoundAgentProgram';
const PROCESS = 'apsis.program.process.BoundProcessProgram';
const NO_OP = 'apsis.program.noop.BoundNoOpProgram';
const PROCSTAR = 'apsis.program.procstar.agent.BoundProcstarProgram';
/** Apsis's default Procstar group: an agent on this host, as our `procstar` programs run (SPEC 6.1). */
const PROCSTAR_DEFAULT_GROUP = 'default';

/** Our bound program for an Apsis bound program (parsed JSON), or why there is none. */
export function mapProgram(jso: unknown): Mapped<BoundProgram> {
  const f = Fields.of(jso, 'program');
  if (!f.ok) return f;
  const type = f.fields.string('type');
  if (type === undefined) return f.fields.failure();
  const fields = f.fields;
  const mapped = mapType(type, fields);
  if (!mapped.ok) return mapped;
  return fields.rest() ?? mapped;
}

function mapType(type: string, f: Fields): Mapped<BoundProgram> {
  switch (type) {
    case AGENT: {
      const argv = f.strings('argv');
      const host = f.optionalString('host');
      const user = f.optionalString('user');
      const timeout = timeoutOf(f);
      const stop = stopOf(f);
      if (argv === undefined || host === undefined || user === undefined || timeout === undefined || !stop.ok)
        return stop.ok ? f.failure() : stop;
      // A host runs over SSH here (SPEC 24): the same name, looked up in host_groups or passed to ssh.
      return {
        ok: true,
        value: {
          type: 'program',
          argv,
          ...(host === null ? {} : { host }),
          ...(user === null ? {} : { user }),
          ...timeout,
          stop: stop.value,
        },
      };
    }
    case PROCESS: {
      const argv = f.strings('argv');
      const stop = stopOf(f);
      if (argv === undefined || !stop.ok) return stop.ok ? f.failure() : stop;
      return { ok: true, value: { type: 'program', argv, stop: stop.value } };
    }
    case PROCSTAR: {
      const argv = f.strings('argv');
      const group = f.optionalString('group_id');
      const sudoUser = f.optionalString('sudo_user');
      const stop = stopOf(f);
      if (argv === undefined || group === undefined || sudoUser === undefined || !stop.ok)
        return stop.ok ? f.failure() : stop;
      // A Procstar group names a host group here (SPEC 6.1); `default`, unless defined, is this host.
      return {
        ok: true,
        value: {
          type: 'program',
          argv,
          ...(group === null || group === PROCSTAR_DEFAULT_GROUP ? {} : { group_id: group }),
          ...(sudoUser === null ? {} : { user: sudoUser }),
          stop: stop.value,
        },
      };
    }
    case NO_OP: {
      const duration = f.optionalString('duration');
      const success = f.optionalBoolean('success', true);
      if (duration === undefined || success === undefined) return f.failure();
      if (duration === null) return { ok: true, value: { type: 'no-op', duration: null, success } };
      const parsed = parseDuration(duration);
      if (!parsed.ok) return { ok: false, reason: `its no-op duration "${duration}" is not a duration` };
      return { ok: true, value: { type: 'no-op', duration: parsed.seconds, success } };
    }
    case STATS_TYPE: {
      const path = f.optionalString('path');
      return path === undefined ? f.failure() : { ok: true, value: { type: STATS_TYPE, path } };
    }
    case ARCHIVE_TYPE: {
      const age = f.number('age');
      const path = f.string('path');
      const count = f.number('count');
      const chunkSize = f.optionalNumber('chunk_size');
      const chunkSleep = f.optionalNumber('chunk_sleep');
      if (age === undefined || path === undefined || count === undefined) return f.failure();
      if (chunkSize === undefined || chunkSleep === undefined) return f.failure();
      return {
        ok: true,
        value: { type: ARCHIVE_TYPE, age, path, count, chunk_size: chunkSize, chunk_sleep: chunkSleep },
      };
    }
    case VACUUM_TYPE:
      return { ok: true, value: { type: VACUUM_TYPE } };
    default:
      return { ok: false, reason: `its program type "${type}" has no counterpart in Apsis Console` };
  }
}

/** Apsis's BoundStop: keys left out when default (SIGTERM, 60 s); the signal a name or a number. */
function stopOf(f: Fields): Mapped<BoundStop> {
  const stop = f.optionalObject('stop');
  if (stop === undefined) return f.failure();
  if (stop === null) return { ok: true, value: { signal: 'SIGTERM', grace_period: 60 } };
  const signal = signalOf(stop, 'signal', 'SIGTERM');
  const grace = stop.optionalNumber('grace_period');
  if (signal === undefined || grace === undefined) return stop.failure();
  return stop.rest() ?? { ok: true, value: { signal, grace_period: grace ?? 60 } };
}

/** Apsis's Timeout: `{duration (seconds), signal}`; none when absent or null. */
function timeoutOf(f: Fields): { timeout?: BoundTimeout } | undefined {
  const timeout = f.optionalObject('timeout');
  if (timeout === undefined) return undefined;
  if (timeout === null) return {};
  const duration = timeout.number('duration');
  const signal = signalOf(timeout, 'signal', 'SIGTERM');
  if (duration === undefined || signal === undefined || timeout.rest() !== undefined) {
    f.fail(timeout.failure().reason);
    return undefined;
  }
  return { timeout: { duration, signal } };
}

function signalOf(f: Fields, key: string, fallback: string): string | undefined {
  const value = f.take(key);
  if (value === undefined || value === null) return fallback;
  const name = typeof value === 'number' || typeof value === 'string' ? normalizeSignal(String(value)) : null;
  if (name === null) f.fail(`${f.where}.${key} ${JSON.stringify(value)} is not a signal`);
  return name ?? undefined;
}
