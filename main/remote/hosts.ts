/**
 * Remote hosts of one engine (SPEC 24): a connection per host, host groups, per-host slots (remote.max_running),
 * run folders to clean up on hosts given up, and what survives a restart (round-robin positions, cleanups), kept in
 * `remote.json` in the engine's state folder.
 */
import { hostname as localHostname } from 'node:os';
import { readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RemoteHostStats } from '../../shared/stats/schema.js';
import type { Clock } from '../engine/clock.js';
import type { Run } from '../engine/run.js';
import type { Settings } from '../engine/settings.js';
import { isProcessProgram, type BoundProcessProgram } from '../programs/bind.js';
import type {
  ProcessHandle,
  ProcessTarget,
  ProgramContext,
  RemoteProcesses,
} from '../programs/runtime/types.js';
import { chooseHost, type HostGroup } from './host-groups.js';
import { HostConnection } from './host-connection.js';
import { attachRemote, remoteTarget } from './remote-target.js';
import { checkHostName, shortHash, socketFolder, socketPath, type SshSettings } from './ssh.js';

/** How soon a run folder that could not be removed is tried again while its host answers. */
const CLEANUP_RETRY_MS = 2000;

export interface RemoteHostsOptions {
  clock: Clock;
  settings: Settings;
  /** The engine's state folder (beside the DB): control sockets and remote.json go there. */
  stateDir: string;
  /** The ssh client (default `ssh`). */
  ssh?: string;
  /** A number in [0, 1) for `random` groups (default Math.random). */
  random?: () => number;
}

/** A run folder to remove (its process group killed first) once its host answers again. */
interface Cleanup {
  host: string;
  dir: string;
  run_id: string;
}

interface Persisted {
  round_robin: Record<string, number>;
  cleanup: Cleanup[];
}

/** Where a run goes: a host, or why none. */
export type HostChoice = { ok: true; host: string; group: string | null } | { ok: false; error: string };

export class RemoteHosts implements RemoteProcesses {
  /** Called when a slot frees on some host: waiting runs may start (the engine's waiter). */
  onSlotFreed: () => void = () => {};
  /** This engine's mark in its run folders' names, so engines sharing a remote user never meet. */
  readonly tag: string;
  readonly clock: Clock;
  readonly #settings: Settings;
  readonly #ssh: SshSettings;
  readonly #sockets: string;
  readonly #statePath: string;
  readonly #random: () => number;
  readonly #conns = new Map<string, HostConnection>();
  /** Host → runs holding a slot there (launching, running, or chosen and about to start). */
  readonly #slots = new Map<string, Set<string>>();
  readonly #slotOf = new Map<string, string>();
  /** Runs given a host by claim() that have not launched yet. */
  readonly #reserved = new Map<string, { host: string; group: string | null }>();
  /** Runs followed now: never cleaned up, whatever remote.json says. */
  readonly #attached = new Set<string>();
  /** Runs whose launch request is under way (their cleanup entry waits for the answer). */
  readonly #launching = new Set<string>();
  /** Cleanups whose remove request is under way (host and folder). */
  readonly #removing = new Set<string>();
  readonly #counts = new Map<string, { launches: number; failures: number }>();
  #state: Persisted;
  #closed = false;

  constructor(options: RemoteHostsOptions) {
    this.clock = options.clock;
    this.#settings = options.settings;
    const r = options.settings.remote;
    this.#ssh = { sshConfig: r.ssh_config, connectTimeout: r.connect_timeout, ssh: options.ssh ?? 'ssh' };
    this.#sockets = socketFolder(options.stateDir);
    this.#statePath = join(options.stateDir, 'remote.json');
    this.#random = options.random ?? Math.random;
    this.tag = shortHash(`${localHostname()}\0${options.stateDir}`, 12);
    this.#state = readState(this.#statePath);
  }

  get groups(): Record<string, HostGroup> {
    return this.#settings.host_groups;
  }

  /** Begins cleanups left from before a restart (call once restored runs are attached). */
  start(): void {
    for (const host of new Set(this.#state.cleanup.map((c) => c.host))) void this.connection(host).connect();
  }

  // ---- where programs run ---------------------------------------------------------------------------------------

  hostOf(program: BoundProcessProgram): string | null {
    if (program.host !== undefined) return program.host;
    const group = program.group_id;
    if (group === undefined || (group === 'default' && this.groups['default'] === undefined)) return null;
    return group;
  }

  target(host: string, ctx: ProgramContext): ProcessTarget {
    return remoteTarget(this, host, ctx);
  }

  attach(runState: Record<string, unknown>, ctx: ProgramContext): ProcessHandle | string {
    return attachRemote(this, runState, ctx);
  }

  /** The folder name of a run on a remote host. */
  folderName(runId: string): string {
    return `apsis-${this.tag}-${runId}`;
  }

  /** The connection to `host` (a checked host name), made on first use. */
  connection(host: string): HostConnection {
    let conn = this.#conns.get(host);
    if (conn === undefined) {
      conn = new HostConnection({
        host,
        ssh: this.#ssh,
        socket: socketPath(this.#sockets, host),
        remoteDir: this.#settings.remote.dir,
        reconnectFor: this.#settings.remote.reconnect_for,
        clock: this.clock,
        wanted: () => this.#wanted(host),
        onUp: () => this.#cleanUp(host),
      });
      this.#conns.set(host, conn);
    }
    return conn;
  }

  // ---- slots and choices ----------------------------------------------------------------------------------------

  /**
   * The waiter's last check before a run starts (SPEC 24.2 `remote.max_running`): null when it may start now (a host
   * is then set aside for it), else the run-log line saying which hosts it waits for.
   */
  claim(run: Run): string | null {
    const max = this.#settings.remote.max_running;
    if (max === null || !isProcessProgram(run.program)) return null;
    const spec = this.hostOf(run.program);
    if (spec === null) return null;
    const reserved = this.#reserved.get(run.runId);
    if (reserved !== undefined) return null;
    const choice = this.#choose(spec, true);
    if (choice.kind === 'full') {
      const which =
        choice.hosts.length === 1 ? `host ${choice.hosts[0]}` : `hosts ${choice.hosts.join(', ')}`;
      return `waiting for a free slot on ${which} (remote.max_running ${max})`;
    }
    // A host that cannot be used (down, bad name) fails the run when it launches, with the reason.
    if (choice.kind === 'host') {
      this.#reserved.set(run.runId, { host: choice.host, group: spec === choice.host ? null : spec });
      this.hold(run.runId, choice.host);
    }
    return null;
  }

  /** The host for a run launching now: the one claim() set aside, else a choice made now. */
  choose(runId: string, spec: string): HostChoice {
    const reserved = this.#reserved.get(runId);
    if (reserved !== undefined) {
      this.#reserved.delete(runId);
      return { ok: true, ...reserved };
    }
    const choice = this.#choose(spec, false);
    if (choice.kind === 'host')
      return { ok: true, host: choice.host, group: spec === choice.host ? null : spec };
    if (choice.kind === 'down') {
      const bad = choice.hosts.length === 1 && checkHostName(choice.hosts[0] as string);
      if (typeof bad === 'string') return { ok: false, error: `host: ${bad}` };
      return { ok: false, error: `every host of group ${spec} is unreachable: ${choice.hosts.join(', ')}` };
    }
    return { ok: false, error: `no free slot on ${choice.hosts.join(', ')}` };
  }

  #choose(spec: string, limited: boolean): ReturnType<typeof chooseHost> {
    const group = this.groups[spec] ?? { type: 'alias' as const, hosts: [spec] };
    const direct = this.groups[spec] === undefined;
    const max = this.#settings.remote.max_running;
    return chooseHost(spec, group, {
      // A host named directly is tried whatever its state: an unreachable one fails with ssh's reason.
      // Known unreachable: down, or being tried again after that (`since` stays set until it answers).
      down: (h) => checkHostName(h) !== null || (!direct && (this.#conns.get(h)?.since ?? null) !== null),
      free: (h) => !limited || max === null || (this.#slots.get(h)?.size ?? 0) < max,
      position: (g) => this.#state.round_robin[g] ?? 0,
      setPosition: (g, p) => {
        this.#state.round_robin[g] = p;
        this.#save();
      },
      random: this.#random,
    });
  }

  /** `runId` holds a slot on `host` until release(). */
  hold(runId: string, host: string): void {
    const previous = this.#slotOf.get(runId);
    if (previous === host) return;
    if (previous !== undefined) this.#slots.get(previous)?.delete(runId);
    this.#slotOf.set(runId, host);
    let set = this.#slots.get(host);
    if (set === undefined) this.#slots.set(host, (set = new Set()));
    set.add(runId);
  }

  /** Frees the slot of `runId`, if it holds one; waiting runs get their chance. */
  release(runId: string): void {
    this.#reserved.delete(runId);
    const host = this.#slotOf.get(runId);
    if (host === undefined) return;
    this.#slotOf.delete(runId);
    this.#slots.get(host)?.delete(runId);
    if (!this.#closed) this.onSlotFreed();
  }

  /** The run is followed now (its folder must stay), or no longer. */
  setAttached(runId: string, attached: boolean): void {
    if (attached) this.#attached.add(runId);
    else this.#attached.delete(runId);
  }

  /** Counts a launch on `host`, or a failure caused by the host (unreachable, lost). */
  count(host: string, what: 'launches' | 'failures'): void {
    let c = this.#counts.get(host);
    if (c === undefined) this.#counts.set(host, (c = { launches: 0, failures: 0 }));
    c[what] += 1;
  }

  // ---- cleanups -------------------------------------------------------------------------------------------------

  /**
   * A launch into `dir` on `host` begins. Its folder is listed for cleanup until the run ends, so a process started
   * by a launch whose answer was lost (the connection dropped), or whose run was never recorded running (the engine
   * killed just then), is killed and its folder removed once the host answers; a run followed by then is left alone.
   */
  beginLaunch(host: string, dir: string, runId: string): void {
    this.#launching.add(runId);
    this.#state.cleanup.push({ host, dir, run_id: runId });
    this.#save();
  }

  /** The launch of `runId` was answered: started, failed (the agent removed its folder), or lost on the way. */
  endLaunch(runId: string, outcome: 'started' | 'failed' | 'lost'): void {
    this.#launching.delete(runId);
    const entry = this.#state.cleanup.find((c) => c.run_id === runId);
    if (outcome === 'failed') this.dropCleanup(runId);
    else if (outcome === 'lost' && entry !== undefined) this.addCleanup(entry.host, entry.dir, runId);
  }

  /** Forgets the cleanup entries of `runId` (its end is committed and its folder removed). */
  dropCleanup(runId: string): void {
    const before = this.#state.cleanup.length;
    this.#state.cleanup = this.#state.cleanup.filter((c) => c.run_id !== runId);
    if (this.#state.cleanup.length !== before) this.#save();
  }

  /** Removes the run folder `dir` on `host` (killing what still runs there) when the host answers again. */
  addCleanup(host: string, dir: string, runId: string): void {
    if (!this.#state.cleanup.some((c) => c.host === host && c.dir === dir)) {
      this.#state.cleanup.push({ host, dir, run_id: runId });
      this.#save();
    }
    const conn = this.connection(host);
    if (conn.state === 'up') this.#cleanUp(host);
    else if (conn.state !== 'connecting') void conn.connect();
  }

  /** Cleanups still to do, for tests and stats. */
  get pendingCleanups(): number {
    return this.#state.cleanup.length;
  }

  #cleanUp(host: string): void {
    for (const c of this.#state.cleanup.filter((x) => x.host === host && !this.#launching.has(x.run_id))) {
      const drop = (): void => {
        const i = this.#state.cleanup.indexOf(c);
        if (i >= 0) this.#state.cleanup.splice(i, 1);
        this.#save();
      };
      // Written before the run's end was committed: a crash between left the run running, and it is followed again.
      if (this.#attached.has(c.run_id)) {
        drop();
        continue;
      }
      const key = `${host}\0${c.dir}`;
      if (this.#removing.has(key)) continue;
      this.#removing.add(key);
      void this.connection(host)
        .remove(c.dir, true)
        .then((done) => {
          this.#removing.delete(key);
          if (done) drop();
          // Not removed (a file still being written, a host gone again): tried again while the host answers, and
          // in any case at its next connection.
          else if (!this.#closed) setTimeout(() => this.#retryCleanUp(host), CLEANUP_RETRY_MS).unref();
        });
    }
  }

  #retryCleanUp(host: string): void {
    if (!this.#closed && this.connection(host).state === 'up') this.#cleanUp(host);
  }

  #wanted(host: string): boolean {
    if (this.#closed) return false;
    if (this.#state.cleanup.some((c) => c.host === host)) return true;
    return Object.values(this.groups).some((g) => g.type !== 'alias' && g.hosts.includes(host));
  }

  #save(): void {
    const tmp = `${this.#statePath}.tmp`;
    try {
      mkdirSync(join(this.#statePath, '..'), { recursive: true });
      writeFileSync(tmp, `${JSON.stringify(this.#state)}\n`);
      renameSync(tmp, this.#statePath);
    } catch {
      // A state folder that cannot be written costs only round-robin order and cleanups after a restart.
    }
  }

  // ---- stats and shutdown ---------------------------------------------------------------------------------------

  /** Figures per host: every host used since the start and every member of a group. */
  stats(): Record<string, RemoteHostStats> {
    const hosts = new Set<string>(this.#conns.keys());
    for (const g of Object.values(this.groups)) for (const h of g.hosts) hosts.add(h);
    const out: Record<string, RemoteHostStats> = {};
    for (const host of [...hosts].sort()) {
      const conn = this.#conns.get(host);
      const c = this.#counts.get(host);
      out[host] = {
        connected: conn?.state === 'up',
        state: conn?.state ?? 'idle',
        running: this.#slots.get(host)?.size ?? 0,
        launches: c?.launches ?? 0,
        failures: c?.failures ?? 0,
        rtt: conn?.rtt ?? null,
        ...(conn?.since == null ? {} : { down_since: new Date(conn.since).toISOString() }),
        ...(conn?.state === 'down' && conn.error !== null ? { error: conn.error } : {}),
      };
    }
    return out;
  }

  /** Ends every agent session; runs keep going on their hosts and are followed again at the next start. */
  close(): void {
    this.#closed = true;
    for (const conn of this.#conns.values()) conn.close();
  }
}

function readState(path: string): Persisted {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as Partial<Persisted>;
    const rr = v.round_robin !== null && typeof v.round_robin === 'object' ? v.round_robin : {};
    const cleanup = Array.isArray(v.cleanup)
      ? v.cleanup.filter(
          (c): c is Cleanup =>
            typeof c === 'object' &&
            c !== null &&
            typeof c.host === 'string' &&
            checkHostName(c.host) === null &&
            typeof c.dir === 'string' &&
            typeof c.run_id === 'string',
        )
      : [];
    const round_robin: Record<string, number> = {};
    for (const [k, n] of Object.entries(rr)) if (Number.isSafeInteger(n) && n >= 0) round_robin[k] = n;
    return { round_robin, cleanup };
  } catch {
    return { round_robin: {}, cleanup: [] };
  }
}
