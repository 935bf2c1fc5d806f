/**
 * Real SSH servers for the remote-host tests (SPEC 24): one Debian `sshd -D` per "host" on a loopback address
 * (127.0.0.2, 127.0.0.3, ...), each logging in its own user with its own home, with host and user keys made here,
 * and an ssh_config naming them w1, w2, ... Needs root (users, sshd); skipped with a message otherwise, except under
 * CI=true, where a missing piece fails the tests instead.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from '../../main/engine/app.js';
import { outputBytes } from '../../main/store/output-codec.js';

const SSHD = '/usr/sbin/sshd';

/** The stored output of a finished run, as text (decompressed). */
export function storedOutput(app: App, runId: string): string {
  const stored = app.engine.store.readOutput(runId, 'output');
  return stored === undefined ? '' : outputBytes(stored).toString();
}

/** Why the farm cannot run here, or null when it can. */
export function sshdUnavailable(): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0)
    return 'remote-host tests need root (they create users and run sshd)';
  for (const tool of [SSHD, '/usr/bin/ssh', '/usr/bin/ssh-keygen', '/usr/sbin/useradd'])
    if (!existsSync(tool))
      return `remote-host tests need ${tool} (apt-get install openssh-server openssh-client)`;
  return null;
}

/** Whether to skip: never under CI=true, where the tests must run (and fail if they cannot). */
export function skipRemote(): boolean {
  const reason = sshdUnavailable();
  if (reason === null || process.env['CI'] === 'true') return false;
  console.warn(`skipping remote-host tests: ${reason}`);
  return true;
}

export interface SshHost {
  /** The ssh_config alias (w1, w2, ...). */
  name: string;
  address: string;
  port: number;
  user: string;
  uid: number;
  home: string;
}

export class SshFarm {
  readonly hosts: SshHost[] = [];
  readonly sshConfig: string;
  readonly #listeners = new Map<string, ChildProcess>();

  private constructor(readonly dir: string) {
    this.sshConfig = join(dir, 'ssh_config');
  }

  /** Starts `n` hosts (up to 8). */
  static async start(n: number): Promise<SshFarm> {
    const reason = sshdUnavailable();
    if (reason !== null) throw new Error(reason);
    const dir = mkdtempSync(join(tmpdir(), 'apsis-sshd-'));
    // Homes live here: every user must reach its own.
    chmodSync(dir, 0o755);
    const farm = new SshFarm(dir);
    try {
      mkdirSync('/run/sshd', { recursive: true });
      execFileSync('ssh-keygen', [
        '-q',
        '-t',
        'ed25519',
        '-N',
        '',
        '-C',
        'apsis-test',
        '-f',
        join(dir, 'user_key'),
      ]);
      const tag = randomBytes(3).toString('hex');
      const known: string[] = [];
      const config: string[] = [];
      for (let i = 0; i < n; i++) {
        const name = `w${i + 1}`;
        const address = `127.0.0.${i + 2}`;
        const user = `apsis${tag}${name}`;
        const home = join(dir, `home-${name}`);
        addUser(user, home);
        const uid = Number(execFileSync('id', ['-u', user]).toString().trim());
        const hostKey = join(dir, `host_key_${name}`);
        execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', hostKey]);
        const port = await freePort(address);
        writeFileSync(
          join(dir, `sshd_${name}`),
          [
            `ListenAddress ${address}:${port}`,
            `HostKey ${hostKey}`,
            `PidFile ${join(dir, `sshd_${name}.pid`)}`,
            'PermitRootLogin prohibit-password',
            'UsePAM no',
            'StrictModes no',
            'PasswordAuthentication no',
            'KbdInteractiveAuthentication no',
            `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
            `AllowUsers ${user}`,
            'LogLevel ERROR',
            '',
          ].join('\n'),
        );
        const publicKey = readFileSync(`${hostKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
        known.push(`[${address}]:${port} ${publicKey}`);
        config.push(
          `Host ${name}`,
          `  HostName ${address}`,
          `  Port ${port}`,
          `  User ${user}`,
          `  IdentityFile ${join(dir, 'user_key')}`,
          '  IdentitiesOnly yes',
          `  UserKnownHostsFile ${join(dir, 'known_hosts')}`,
          '  GlobalKnownHostsFile /dev/null',
          '  StrictHostKeyChecking yes',
          '',
        );
        farm.hosts.push({ name, address, port, user, uid, home });
      }
      writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'user_key.pub')));
      chmodSync(join(dir, 'authorized_keys'), 0o644);
      writeFileSync(join(dir, 'known_hosts'), `${known.join('\n')}\n`);
      writeFileSync(farm.sshConfig, config.join('\n'));
      for (const host of farm.hosts) await farm.startHost(host.name);
    } catch (e) {
      farm.close();
      throw e;
    }
    return farm;
  }

  /** Adds `name` to the ssh_config: an address and port where nothing listens (a host that is down). */
  async addDeadHost(name: string): Promise<void> {
    const address = '127.0.0.99';
    const port = await freePort(address);
    writeFileSync(
      this.sshConfig,
      `${readFileSync(this.sshConfig, 'utf8')}Host ${name}\n  HostName ${address}\n  Port ${port}\n  IdentityFile ${join(this.dir, 'user_key')}\n  UserKnownHostsFile ${join(this.dir, 'known_hosts')}\n\n`,
    );
  }

  /** Entries in `name`'s remote.dir (default `.apsis-console` in its home). */
  runFolders(name: string, dir = '.apsis-console'): string[] {
    try {
      return readdirSync(join(this.host(name).home, dir));
    } catch {
      return [];
    }
  }

  host(name: string): SshHost {
    const host = this.hosts.find((h) => h.name === name);
    if (host === undefined) throw new Error(`no host ${name}`);
    return host;
  }

  /** Starts (again) the sshd of `name` and waits until it accepts connections. */
  async startHost(name: string): Promise<void> {
    const host = this.host(name);
    const child = spawn(
      SSHD,
      ['-D', '-f', join(this.dir, `sshd_${name}`), '-E', join(this.dir, `sshd_${name}.log`)],
      {
        stdio: 'ignore',
      },
    );
    this.#listeners.set(name, child);
    for (const until = Date.now() + 10_000; ;) {
      if (child.exitCode !== null) throw new Error(`sshd ${name} exited: ${this.log(name)}`);
      if (await accepts(host.address, host.port)) return;
      if (Date.now() > until) throw new Error(`sshd ${name} does not accept connections: ${this.log(name)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Makes `name` unreachable: its listener and every per-connection sshd go, so the master connection drops and no
   * new one can be made. Processes started there (supervisors, jobs) live on, as on a host cut off by the network.
   */
  stopHost(name: string): void {
    const listener = this.#listeners.get(name);
    this.#listeners.delete(name);
    if (listener === undefined || listener.pid === undefined) return;
    const sshds = descendants(listener.pid).filter((pid) => comm(pid) === 'sshd');
    for (const pid of [listener.pid, ...sshds]) kill(pid);
  }

  /** Processes of `name`'s user now (pid and command line). */
  processes(name: string): { pid: number; cmdline: string }[] {
    const { uid } = this.host(name);
    return allPids()
      .filter((pid) => uidOf(pid) === uid)
      .map((pid) => ({ pid, cmdline: cmdline(pid) }));
  }

  log(name: string): string {
    try {
      return readFileSync(join(this.dir, `sshd_${name}.log`), 'utf8');
    } catch {
      return '';
    }
  }

  /** Ends every sshd, the master connections made with this farm's ssh_config, the users' processes, the users. */
  close(): void {
    for (const name of [...this.#listeners.keys()]) this.stopHost(name);
    for (const pid of allPids()) if (cmdline(pid).includes(this.sshConfig)) kill(pid);
    for (const host of this.hosts) {
      // Killed processes go at once; a zombie may stay until its reaper (pid 1) gets to it, which userdel -f allows.
      for (let attempt = 0; attempt < 50; attempt++) {
        const left = this.processes(host.name).filter((p) => stat(p.pid)?.[1] !== 'Z');
        if (left.length === 0) break;
        for (const { pid } of left) kill(pid);
        execFileSync('sleep', ['0.1']);
      }
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          execFileSync('userdel', ['-f', host.user], { stdio: 'ignore' });
          break;
        } catch {
          // Gone already, or /etc/passwd locked by another test file's useradd: try again.
          if (!userExists(host.user)) break;
          execFileSync('sleep', ['0.1']);
        }
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Adds a user with `home` that sshd accepts without PAM (an unlocked account with no password). */
function addUser(user: string, home: string): void {
  // useradd locks /etc/passwd: test files running at once may meet there, so it is tried again.
  for (let attempt = 0; ; attempt++) {
    try {
      execFileSync('useradd', ['-m', '-d', home, '-s', '/bin/bash', '-p', '*', user], { stdio: 'pipe' });
      return;
    } catch (e) {
      if (attempt >= 20) throw e;
      execFileSync('sleep', ['0.1']);
    }
  }
}

function userExists(user: string): boolean {
  return readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .some((line) => line.startsWith(`${user}:`));
}

function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, address, () => {
      const a = server.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function accepts(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

function stat(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces and parentheses: the fields after it begin at the last ')'.
    const close = text.lastIndexOf(')');
    return [text.slice(text.indexOf('(') + 1, close), ...text.slice(close + 2).split(' ')];
  } catch {
    return null;
  }
}

function comm(pid: number): string {
  return stat(pid)?.[0] ?? '';
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

function uidOf(pid: number): number | null {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? null : Number(m[1]);
  } catch {
    return null;
  }
}

/** Every descendant of `root`. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const ppid = Number(stat(pid)?.[2]);
    if (!Number.isFinite(ppid)) continue;
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length > 0) {
    for (const child of children.get(todo.pop() as number) ?? []) {
      out.push(child);
      todo.push(child);
    }
  }
  return out;
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}
