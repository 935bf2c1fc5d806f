/** Reading settings (SPEC 14): a YAML file, then `-o key.path=value` overrides; unknown keys are errors. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readYamlValue } from '../jobs/yaml-parse.js';
import { readGlobalActions } from '../actions/global.js';
import { parseHostGroups } from '../remote/host-groups.js';
import { parseDuration } from '../time/durations.js';
import { parseInstant } from '../time/instants.js';
import { defaultSettings, type Settings, type SmtpSettings } from './settings.js';

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
  'waiting.warn_after': (s, v) =>
    (s.waiting.warn_after = duration('waiting.warn_after', { nullable: true, positive: true })(v)),
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
  smtp: (s, v, base) => {
    if (v === null) {
      s.smtp = null;
      return;
    }
    if (typeof v !== 'object' || Array.isArray(v))
      throw new SettingsError(
        'smtp: must be null or a mapping {host, port, from, starttls, user, password_env}',
      );
    for (const [key, value] of Object.entries(v as Record<string, unknown>)) {
      const setter = SMTP[key];
      if (setter === undefined)
        throw new SettingsError(`smtp: unknown key '${key}'; known keys: ${Object.keys(SMTP).join(', ')}`);
      setter(s, value, base);
    }
  },
  // The settings file's `action` is read with positions by readGlobalActions; `-o` may only clear it.
  action: (s, v) => {
    if (v === null || (Array.isArray(v) && v.length === 0) || v === '[]') s.action = [];
    else
      throw new SettingsError('action: write global actions in the settings file; -o can only set action=[]');
  },
};

/** The SMTP settings being read: a block with its defaults on its first key. */
function smtp(s: Settings): SmtpSettings {
  return (s.smtp ??= { host: '', port: 25, from: '', starttls: false, user: null, password_env: null });
}

// eslint-disable-next-line no-control-regex -- control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/** One line of text without control characters, at most 255 characters: nothing that could end an SMTP command. */
function text(key: string, v: unknown, what: string, pattern?: RegExp): string {
  if (
    typeof v !== 'string' ||
    v === '' ||
    v.length > 255 ||
    CONTROL.test(v) ||
    (pattern !== undefined && !pattern.test(v))
  )
    throw new SettingsError(`${key}: must be ${what}`);
  return v;
}

const SMTP: Record<string, Setter> = {
  host: (s, v) => (smtp(s).host = text('smtp.host', v, 'a host name or address', /^[A-Za-z0-9.:_[\]-]+$/)),
  port: (s, v) => {
    const n = typeof v === 'string' && /^\d{1,5}$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65_535)
      throw new SettingsError('smtp.port: must be a port number from 1 to 65535');
    smtp(s).port = n;
  },
  from: (s, v) =>
    (smtp(s).from = text(
      'smtp.from',
      v,
      'an email address such as apsis@example.com',
      /^[^\s@<>]+@[^\s@<>]+$/,
    )),
  starttls: (s, v) => {
    if (v !== true && v !== false && v !== 'true' && v !== 'false')
      throw new SettingsError('smtp.starttls: must be true or false');
    smtp(s).starttls = v === true || v === 'true';
  },
  user: (s, v) => (smtp(s).user = v === null ? null : text('smtp.user', v, 'a user name or null')),
  password_env: (s, v) =>
    (smtp(s).password_env =
      v === null
        ? null
        : text(
            'smtp.password_env',
            v,
            'the name of an environment variable holding the password',
            /^[A-Za-z_][A-Za-z0-9_]*$/,
          )),
};
for (const [key, setter] of Object.entries(SMTP)) SETTERS[`smtp.${key}`] = setter;

/** Checks what no single key can: an SMTP block names its host and sender, and a user has a password. */
function checkSettings(s: Settings, where: string): void {
  if (s.smtp === null) return;
  if (s.smtp.host === '')
    throw new SettingsError(`${where}: smtp.host is required: the SMTP server of email actions`);
  if (s.smtp.from === '')
    throw new SettingsError(`${where}: smtp.from is required: the sender of email actions`);
  if (s.smtp.user !== null && s.smtp.password_env === null)
    throw new SettingsError(
      `${where}: smtp.user needs smtp.password_env, the environment variable holding its password`,
    );
}

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
    if (tree !== null && typeof tree === 'object' && !Array.isArray(tree) && 'action' in tree) {
      const actions = readGlobalActions(file, text);
      if (!actions.ok) throw new SettingsError(actions.problems.join('\n'));
      settings.action = actions.actions;
      const { action: _read, ...rest } = tree as Record<string, unknown>;
      apply(settings, rest, '', dirname(resolve(file)), file);
    } else apply(settings, tree, '', dirname(resolve(file)), file);
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
  checkSettings(settings, configFile ?? (existsSync(file) ? file : 'settings'));
  return settings;
}
