/** OpenSSH command lines for remote hosts (SPEC 24.2): host names checked, options fixed, the host after `--`. */
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How ssh is run for every host. */
export interface SshSettings {
  /** `ssh -F FILE` when set; null: the user's own configuration. */
  sshConfig: string | null;
  /** Seconds for one connection attempt (`ConnectTimeout`). */
  connectTimeout: number;
  /** The ssh client (default `ssh` on PATH). */
  ssh: string;
}

/** Longest host name accepted (a DNS name is at most 253 characters; `user@` and `:port`-free aliases fit). */
const MAX_HOST = 255;

/**
 * Why `host` may not be passed to ssh, or null when it may: letters, digits, `.`, `-`, `_`, `:`, `@`, no leading `-`
 * (SPEC 24.2), so an arg cannot smuggle ssh options (`-oProxyCommand=...`) or shell text.
 */
export function checkHostName(host: string): string | null {
  if (host === '') return 'host name is empty';
  if (host.length > MAX_HOST) return `host name is longer than ${MAX_HOST} characters`;
  if (host.startsWith('-')) return `host name '${host}' may not begin with '-'`;
  if (!/^[A-Za-z0-9._:@-]+$/.test(host))
    return `host name '${host}' may contain only letters, digits, '.', '-', '_', ':' and '@'`;
  return null;
}

/** Options every ssh command gets: never a password prompt, a bounded connection attempt, the config file. */
function common(s: SshSettings): string[] {
  return [
    ...(s.sshConfig === null ? [] : ['-F', s.sshConfig]),
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${Math.max(1, Math.ceil(s.connectTimeout))}`,
  ];
}

/**
 * Arguments of the master connection: authenticates, then goes to the background (ControlPersist) and exits 0, or
 * exits 255 with ssh's reason on stderr. It stays while sessions use it and for 60 s after the last one; keepalives
 * end it when the host stops answering (about 3 connect timeouts, at most 45 s).
 */
export function masterArgs(s: SshSettings, socket: string, host: string): string[] {
  const alive = Math.max(1, Math.min(15, Math.ceil(s.connectTimeout)));
  return [
    ...common(s),
    '-o',
    'ControlMaster=yes',
    '-S',
    escapePercent(socket),
    '-o',
    'ControlPersist=60',
    '-o',
    `ServerAliveInterval=${alive}`,
    '-o',
    'ServerAliveCountMax=3',
    '-N',
    '--',
    host,
  ];
}

/** Arguments of a session over the master connection at `socket` running `command` on the host. */
export function sessionArgs(s: SshSettings, socket: string, host: string, command: string): string[] {
  return [...common(s), '-o', 'ControlMaster=no', '-S', escapePercent(socket), '--', host, command];
}

/** Arguments of a control command (`check`, `exit`) to the master at `socket`. */
export function controlArgs(s: SshSettings, socket: string, host: string, op: 'check' | 'exit'): string[] {
  return [...common(s), '-S', escapePercent(socket), '-O', op, '--', host];
}

/** ssh expands `%` tokens in a control path (`-S`): a literal `%` in a folder name is written `%%`. */
function escapePercent(path: string): string {
  return path.replace(/%/g, '%%');
}

/** Longest control socket path that fits a Unix socket address (108 bytes on Linux, 104 on macOS) with ssh's suffix. */
const MAX_SOCKET_PATH = 90;

/**
 * The folder of the control sockets: `ssh/` in the engine's state folder, or, when that path is too long for a Unix
 * socket, a folder in the temp directory named after it.
 */
export function socketFolder(stateDir: string): string {
  const dir = join(stateDir, 'ssh');
  if (dir.length + 18 <= MAX_SOCKET_PATH) return dir;
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return join(tmpdir(), `apsis-ssh-${uid}-${shortHash(stateDir, 12)}`);
}

/** The control socket of `host` in `folder`. */
export function socketPath(folder: string, host: string): string {
  return join(folder, shortHash(host, 16));
}

/** The first `n` hex digits of the SHA-256 of `text`. */
export function shortHash(text: string, n: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, n);
}
