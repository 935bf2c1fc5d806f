/** Engine settings (SPEC 14), with their defaults. Durations are seconds. */
import type { ActionSpec } from '../actions/spec.js';
import type { HostGroup } from '../remote/host-groups.js';

/** Remote hosts over SSH (SPEC 14, 24). */
export interface RemoteSettings {
  /** An ssh_config file passed as `ssh -F FILE`; null: the user's own. */
  ssh_config: string | null;
  /** Per-run folders on the remote host, relative to the remote user's home (default `.apsis-console`). */
  dir: string;
  /** Seconds for one SSH connection attempt (default 10). */
  connect_timeout: number;
  /** Seconds a lost host is retried before its runs end in error (default 600). */
  reconnect_for: number;
  /** Runs at once per host at most; null: no limit. */
  max_running: number | null;
}

export interface Settings {
  database: { timeout: number };
  /** Actions for every run. */
  action: ActionSpec[];
  /**
   * `lookback`: finished runs older than this (seconds) leave memory (SPEC 13.4). `max_in_memory` (our extension,
   * default 100,000): at most this many finished runs are held in memory, the newest; older ones stay in the DB and
   * readable by ID. It keeps startup fast and memory bounded with millions of runs in the DB (SPEC 20).
   */
  runs: { lookback: number | null; max_in_memory: number };
  schedule: {
    /** null: use the persisted clock; 'now': skip missed runs; or an instant (epoch ms). */
    since: null | 'now' | number;
    max_age: number | null;
    horizon: number;
    max_ahead: number;
    /**
     * Our extension: expected runs of all schedules together at most. With many schedules each one's window is
     * max_expected / schedules (at least 1) when that is below max_ahead, so thousands of frequent jobs cannot fill
     * memory with expected runs (10,000 jobs every minute at max_ahead 1000 are 10 million runs).
     */
    max_expected: number;
  };
  waiting: { max_time: number | null };
  stats: { interval: number; retention: number };
  calendars_dir: string | null;
  host_groups: Record<string, HostGroup>;
  remote: RemoteSettings;
}

export function defaultSettings(): Settings {
  return {
    database: { timeout: 10 },
    action: [],
    runs: { lookback: null, max_in_memory: 100_000 },
    schedule: { since: null, max_age: null, horizon: 86_400, max_ahead: 1000, max_expected: 200_000 },
    waiting: { max_time: null },
    stats: { interval: 10, retention: 30 * 86_400 },
    calendars_dir: null,
    host_groups: {},
    remote: {
      ssh_config: null,
      dir: '.apsis-console',
      connect_timeout: 10,
      reconnect_for: 600,
      max_running: null,
    },
  };
}
