/** Processes on remote hosts (SPEC 24.2), as the process runtime sees them: launch, follow, signal, clean up. */
import type { FollowEvent } from '../procs/follow.js';
import { lostResult, parseResult } from '../procs/result-file.js';
import type { ProcessHandle, ProcessTarget, ProgramContext } from '../programs/runtime/types.js';
import type { HostConnection } from './host-connection.js';
import type { RemoteHosts } from './hosts.js';
import { checkHostName } from './ssh.js';

/** A remote run's `run_state` (SPEC 24.2), with the remote names kept for its meta after a restart. */
interface RemoteRunState {
  host: string;
  pid: number;
  pgid: number;
  supervisor_pid: number;
  /** The run folder on the host (absolute). */
  dir: string;
  /** ISO time the process started. */
  start: string;
  hostname: string;
  username: string;
  /** The host group it was chosen from, if any. */
  group?: string;
}

/** Launches on `spec` (a host or a host group, chosen among at launch). */
export function remoteTarget(hosts: RemoteHosts, spec: string, ctx: ProgramContext): ProcessTarget {
  return {
    async launch(argv, delay) {
      // The agent's requests are NUL-separated, as execve's strings are NUL-terminated.
      if (argv.some((a) => a.includes('\0')))
        return { ok: false, error: 'argv may not contain NUL characters' };
      const choice = hosts.choose(ctx.runId, spec);
      if (!choice.ok) return choice;
      const { host, group } = choice;
      hosts.hold(ctx.runId, host);
      const conn = hosts.connection(host);
      const error = await conn.connect();
      if (error !== null) {
        hosts.release(ctx.runId);
        hosts.count(host, 'failures');
        return { ok: false, error: `ssh to ${host} failed: ${error}` };
      }
      const name = hosts.folderName(ctx.runId);
      const env = { APSIS_RUN_ID: ctx.runId, APSIS_JOB_ID: ctx.jobId };
      const base = conn.info?.base;
      if (base !== undefined) hosts.beginLaunch(host, `${base}/${name}`, ctx.runId);
      const sentAt = ctx.clock.now();
      const reply = await conn.launch(name, argv, env, delay);
      const answeredAt = ctx.clock.now();
      // Lost on the way: it may have started, and its folder (and process group, if any) go when the host answers.
      hosts.endLaunch(ctx.runId, reply.ok ? 'started' : reply.lost ? 'lost' : 'failed');
      if (!reply.ok) {
        hosts.release(ctx.runId);
        if (reply.lost) hosts.count(host, 'failures');
        return { ok: false, error: reply.error };
      }
      hosts.count(host, 'launches');
      const state: RemoteRunState = {
        host,
        pid: reply.pid,
        pgid: reply.pid,
        supervisor_pid: reply.supervisorPid,
        dir: reply.dir,
        // The exec instant as the host's clock gave it, kept between request and answer on the engine's clock: a
        // host whose clock is off must not move timeouts and elapsed times.
        start: new Date(
          Number.isFinite(reply.start)
            ? Math.min(Math.max(reply.start, sentAt + delay), answeredAt)
            : answeredAt,
        ).toISOString(),
        hostname: conn.info?.hostname ?? host,
        username: conn.info?.user ?? '',
        ...(group === null ? {} : { group }),
      };
      return { ok: true, handle: new RemoteHandle(hosts, conn, state, ctx) };
    },
    attach: (runState) =>
      runState === null
        ? 'program lost: no process information was recorded'
        : attachRemote(hosts, runState, ctx),
  };
}

/** The handle of a remote run from its run_state (after an engine restart). */
export function attachRemote(
  hosts: RemoteHosts,
  runState: Record<string, unknown>,
  ctx: ProgramContext,
): ProcessHandle | string {
  const s = runState;
  const numbers = ['pid', 'pgid', 'supervisor_pid'].every((k) => Number.isSafeInteger(s[k]));
  if (
    !numbers ||
    typeof s['host'] !== 'string' ||
    typeof s['dir'] !== 'string' ||
    typeof s['start'] !== 'string'
  )
    return 'program lost: the recorded remote process information is incomplete';
  const bad = checkHostName(s['host']);
  if (bad !== null) return `program lost: ${bad}`;
  const state: RemoteRunState = {
    host: s['host'],
    pid: s['pid'] as number,
    pgid: s['pgid'] as number,
    supervisor_pid: s['supervisor_pid'] as number,
    dir: s['dir'],
    start: s['start'],
    hostname: typeof s['hostname'] === 'string' ? s['hostname'] : s['host'],
    username: typeof s['username'] === 'string' ? s['username'] : '',
    ...(typeof s['group'] === 'string' ? { group: s['group'] } : {}),
  };
  hosts.hold(ctx.runId, state.host);
  return new RemoteHandle(hosts, hosts.connection(state.host), state, ctx);
}

/** A run on a remote host, followed through the host's agent across lost connections. */
class RemoteHandle implements ProcessHandle {
  readonly runState: Record<string, unknown>;
  readonly meta: Record<string, unknown>;
  readonly start: string;
  #ended = false;
  #lost = false;
  /** Signals sent while the host could not be reached: delivered when it answers again. */
  readonly #queued: string[] = [];

  constructor(
    private readonly hosts: RemoteHosts,
    private readonly conn: HostConnection,
    private readonly state: RemoteRunState,
    private readonly ctx: ProgramContext,
  ) {
    this.runState = { ...state };
    this.start = state.start;
    this.meta = {
      pid: state.pid,
      host: state.host,
      ...(state.group === undefined ? {} : { host_group: state.group }),
      hostname: state.hostname,
      username: state.username,
      start_time: state.start,
    };
  }

  async *follow(offset: number, signal: AbortSignal): AsyncGenerator<FollowEvent, void, undefined> {
    const { host, dir } = this.state;
    const events: FollowEvent[] = [];
    let wake: (() => void) | null = null;
    const push = (e: FollowEvent): void => {
      events.push(e);
      wake?.();
      wake = null;
    };
    this.hosts.setAttached(this.ctx.runId, true);
    const stop = this.conn.follow(dir, offset, {
      output: (_at, data) => push({ type: 'output', data }),
      end: (text) =>
        push({
          type: 'exit',
          result:
            text === ''
              ? lostResult('program lost')
              : (parseResult(text) ?? lostResult(`unreadable result file ${dir}/result.json`)),
        }),
      down: (since) =>
        this.ctx.log(`host ${host} unreachable since ${new Date(since).toISOString()}, retrying`),
      up: () => {
        this.ctx.log(`host ${host} reachable again`);
        for (const sig of this.#queued.splice(0)) void this.conn.signal(dir, sig);
      },
      lost: () => {
        this.#lost = true;
        this.hosts.count(host, 'failures');
        // Recorded before the run's end is: once the host answers, nothing it left may run on unfollowed.
        this.hosts.setAttached(this.ctx.runId, false);
        this.hosts.addCleanup(host, dir, this.ctx.runId);
        push({ type: 'exit', result: lostResult(`lost host ${host}`) });
      },
    });
    // An engine shutting down stops following; the run goes on under its supervisor (SPEC 12.4).
    const abort = (): void => {
      wake?.();
      wake = null;
    };
    signal.addEventListener('abort', abort, { once: true });
    try {
      while (!signal.aborted) {
        const e = events.shift();
        if (e === undefined) {
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        if (e.type === 'exit') this.#ended = true;
        yield e;
        if (e.type === 'exit') return;
      }
    } finally {
      signal.removeEventListener('abort', abort);
      stop();
    }
  }

  signal(sig: string): boolean {
    if (this.#ended) return false;
    if (this.conn.state === 'up') void this.conn.signal(this.state.dir, sig);
    else this.#queued.push(sig);
    return true;
  }

  async alive(): Promise<boolean> {
    if (this.#ended) return false;
    return (await this.conn.alive(this.state.dir)) ?? true;
  }

  finished(): void {
    const { host, dir } = this.state;
    this.hosts.release(this.ctx.runId);
    this.hosts.setAttached(this.ctx.runId, false);
    if (this.#lost) return;
    // The end is committed: the run folder goes, now or when the host answers again.
    void this.conn.remove(dir, false).then((done) => {
      if (done) this.hosts.dropCleanup(this.ctx.runId);
      else this.hosts.addCleanup(host, dir, this.ctx.runId);
    });
  }
}
