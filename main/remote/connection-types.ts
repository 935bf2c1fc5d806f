/**
 * What a HostConnection (host-connection.ts) is given and what it tells: its options, its states, the agent's account
 * of the host, the answer to a launch, and the calls a run's follower receives.
 */
import type { Clock } from '../engine/clock.js';
import type { SshSettings } from './ssh.js';

/** idle: no session (never used, or closed when unused); down: the last attempt or the session failed. */
export type HostState = 'idle' | 'connecting' | 'up' | 'down';

/** What the agent tells about itself and the host when it starts. */
export interface AgentInfo {
  /** The remote `hostname`. */
  hostname: string;
  /** The remote user. */
  user: string;
  home: string;
  /** Absolute remote.dir. */
  base: string;
}

/** The agent's answer to a launch. */
export type LaunchReply =
  | { ok: true; pid: number; supervisorPid: number; start: number; dir: string }
  | { ok: false; error: string; lost: boolean };

/** Who follows a run's output on the host. Calls arrive in order; `end` or `lost` comes last. */
export interface Follower {
  /** Bytes of the run's output from `offset`. */
  output(offset: number, data: Buffer): void;
  /** The run's result file as text; empty when there is neither a result nor a supervisor. */
  end(result: string): void;
  /** The host stopped answering at `since` (epoch ms); retries follow. */
  down(since: number): void;
  /** The host answers again; following goes on from where it stopped. */
  up(): void;
  /** The host stayed unreachable for remote.reconnect_for. */
  lost(): void;
}

export interface ConnectionOptions {
  host: string;
  ssh: SshSettings;
  /** The master connection's control socket. */
  socket: string;
  /** remote.dir: the run folders' parent on the host, relative to the remote home or absolute. */
  remoteDir: string;
  /** Seconds a lost host is retried before the runs followed there are given up. */
  reconnectFor: number;
  clock: Clock;
  /** Whether the host is worth retrying while down with no run followed there (a group member, a cleanup due). */
  wanted(): boolean;
  /** Called each time the agent is ready. */
  onUp(): void;
}

/** The agent's `ready` body: hostname, user, home and base, NUL-separated. */
export function parseInfo(body: Buffer): AgentInfo {
  const [hostname = '', user = '', home = '', base = ''] = body.toString().split('\0');
  return { hostname, user, home, base };
}
