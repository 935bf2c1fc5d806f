/** Reading settings (SPEC 14): a YAML file, then `-o key.path=value` overrides; unknown keys are errors. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readYamlValue } from '../jobs/yaml-parse.js';
import { parseHostGroups } from '../remote/host-groups.js';
import { parseDuration } from '../time/durations.js';
import { parseInstant } from '../time/instants.js';
import { defaultSettings, type Settings } from './settings.js';

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

type Setter = (s: Settings, value: unknown, base: string) => void;

function duration(key: string, options: { nullable?: boolean; positive?: boolean } = {}) {
  return (value: unknown): number | null => {
    if (value === null && options.nullable === true) return null;
    const d = parseDuration(value);
    if (!d.ok) throw new SettingsError(`${key}: ${d.message}`);
    if (options.positive === true && d.seconds <= 0)
      throw new SettingsError(`${key}: must be a positive duration`);
    return d.seconds;
  };
}

const SETTERS: Record<string, Setter> = {
  'database.timeout': (s, v) =>
    (s.database.timeout = duration('database.timeout', { positive: true })(v) as number),
  'runs.lookback': (s, v) =>
    (s.runs.lookback = duration('runs.lookback', { nullable: true, positive: true })(v)),
  'runs.max_in_memory': (s, v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new SettingsError('runs.max_in_memory: must be a whole number');
    s.runs.max_in_memory = n;
  },
  'schedule.since': (s, v) => {
    if (v === null || v === 'null') s.schedule.since = null;
    else if (v === 'now') s.schedule.since = 'now';
    else {
      const t = typeof v === 'string' ? parseInstant(v) : null;
      if (t === null)
        throw new SettingsError('schedule.since: use null, now, or an ISO 8601 time with an offset or Z');
      s.schedule.since = t;
    }
  },
  'schedule.max_age': (s, v) =>
    (s.schedule.max_age = duration('schedule.max_age', { nullable: true, positive: true })(v)),
  'schedule.horizon': (s, v) =>
    (s.schedule.horizon = duration('schedule.horizon', { positive: true })(v) as number),
  'schedule.max_ahead': (s, v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new SettingsError('schedule.max_ahead: must be a whole number of at least 1');
    s.schedule.max_ahead = n;
  },
  'schedule.max_expected': (s, v) => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new SettingsError('schedule.max_expected: must be a whole number of at least 1');
    s.schedule.max_expected = n;
  },
  'waiting.max_time': (s, v) =>
    (s.waiting.max_time = duration('waiting.max_time', { nullable: true, positive: true })(v)),
  'stats.interval': (s, v) => {
    const d = duration('stats.interval', { positive: true })(v) as number;
    if (d < 1) throw new SettingsError('stats.interval: must be at least 1 s');
    s.stats.interval = d;
  },
  'stats.retention': (s, v) =>
    (s.stats.retention = duration('stats.retention', { positive: true })(v) as number),
  calendars_dir: (s, v, base) => {
    if (v !== null && typeof v !== 'string')
      throw new SettingsError('calendars_dir: must be a directory path or null');
    s.calendars_dir = v === null ? null : resolve(base, v);
  },
  host_groups: (s, v) => {
    // From -o the value is text: a YAML flow mapping such as {workers: [w1, w2]}.
    let value = v;
    if (typeof v === 'string') {
      const read = readYamlValue(v);
      if (!read.ok) throw new SettingsError(`host_groups: ${read.message}`);
      value = read.value;
    }
    const parsed = parseHostGroups(value);
    if (!parsed.ok) throw new SettingsError(parsed.message);
    s.host_groups = parsed.groups;
  },
  'remote.ssh_config': (s, v, base) => {
    if (v !== null && (typeof v !== 'string' || v === ''))
      throw new SettingsError('remote.ssh_config: must be the path of an ssh_config file, or null');
    s.remote.ssh_config = v === null ? null : resolve(base, v);
  },
  'remote.dir': (s, v) => {
    if (typeof v !== 'string' || v.trim() === '' || /[\0\n]/.test(v))
      throw new SettingsError('remote.dir: must be a folder path (relative to the remote home, or absolute)');
    s.remote.dir = v;
  },
  'remote.connect_timeout': (s, v) =>
    (s.remote.connect_timeout = duration('remote.connect_timeout', { positive: true })(v) as number),
  'remote.reconnect_for': (s, v) =>
    (s.remote.reconnect_for = duration('remote.reconnect_for', { positive: true })(v) as number),
  'remote.max_running': (s, v) => {
    if (v === null) {
      s.remote.max_running = null;
      return;
    }
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new SettingsError('remote.max_running: must be a whole number of at least 1, or null');
    s.remote.max_running = n;
  },
  action: (s, v) => {
    if (v === null || (Array.isArray(v) && v.length === 0)) s.action = [];
    else throw new SettingsError('action: global actions in settings are not supported yet; remove the key');
  },
};

function apply(settings: Settings, tree: unknown, prefix: string, base: string, where: string): void {
  if (tree === null || typeof tree !== 'object' || Array.isArray(tree))
    throw new SettingsError(`${where}: settings must be a mapping`);
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    const setter = SETTERS[path];
    if (setter !== undefined) setter(settings, value, base);
    else if (Object.keys(SETTERS).some((k) => k.startsWith(`${path}.`)))
      apply(settings, value, path, base, where);
    else
      throw new SettingsError(
        `${where}: unknown setting '${path}'; known settings: ${Object.keys(SETTERS).join(', ')}`,
      );
  }
}

/** Settings from `configFile`, else `jobDir/.apsis.yaml` when present, else defaults; then the overrides. */
export function loadSettings(jobDir: string, configFile: string | null, overrides: string[]): Settings {
  const settings = defaultSettings();
  const file = configFile ?? join(jobDir, '.apsis.yaml');
  if (configFile !== null || existsSync(file)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new SettingsError(`cannot read settings file ${file}: ${(e as Error).message}`);
    }
    // Read with the job files' bounds: a deeply nested file must not exhaust the stack (issue 19).
    const read = readYamlValue(text);
    if (!read.ok) throw new SettingsError(`${file}: ${read.message}`);
    const tree = read.value ?? {};
    apply(settings, tree, '', dirname(resolve(file)), file);
  }
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq < 1) throw new SettingsError(`-o ${o}: use -o key.path=value`);
    const key = o.slice(0, eq);
    const raw = o.slice(eq + 1);
    const setter = SETTERS[key];
    if (setter === undefined)
      throw new SettingsError(
        `-o ${key}: unknown setting; known settings: ${Object.keys(SETTERS).join(', ')}`,
      );
    setter(settings, raw === 'null' ? null : raw, process.cwd());
  }
  return settings;
}
