/**
 * One remote host (SPEC 24.2): its OpenSSH master connection and the agent session over it, requests and replies,
 * the runs followed there, and the retries while it cannot be reached. Nothing here waits on another host.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { encodeRequest, MessageReader, type AgentMessage } from './agent-protocol.js';
import { AGENT_BOOTSTRAP, AGENT_SCRIPT } from './agent-script.js';
import {
  parseInfo,
  type AgentInfo,
  type ConnectionOptions,
  type Follower,
  type HostState,
  type LaunchReply,
} from './connection-types.js';
import { controlArgs, sessionArgs } from './ssh.js';
import { lastLine, runControl, startMaster } from './ssh-process.js';

export type { AgentInfo, ConnectionOptions, Follower, HostState, LaunchReply };

interface FollowEntry {
  dir: string;
  offset: number;
  follower: Follower;
}

interface Pending {
  resolve(message: AgentMessage | null): void;
}

/** Seconds between pings while up (rtt, and a silent network noticed). */
const PING_S = 10;
/** Seconds a session may stay unused before it is closed (the master lingers 60 s more, then ends). */
const IDLE_S = 60;
/** First and longest waits between attempts: short while runs wait on the host, long for a host only probed. */
const RETRY_FIRST_MS = 250;
const RETRY_MAX_FOLLOWED_MS = 5_000;
const RETRY_MAX_PROBED_MS = 60_000;

export class HostConnection {
  state: HostState = 'idle';
  /** Since when the host has been unreachable (epoch ms), while down. */
  since: number | null = null;
  /** The last failure, as ssh or the agent put it. */
  error: string | null = null;
  /** Seconds of the last round trip to the agent. */
  rtt: number | null = null;
  info: AgentInfo | null = null;

  readonly #o: ConnectionOptions;
  #agent: ChildProcessWithoutNullStreams | null = null;
  #connecting: Promise<string | null> | null = null;
  readonly #pending = new Map<number, Pending>();
  readonly #follows = new Map<number, FollowEntry>();
  #nextId = 1;
  #retrying = false;
  #closed = false;
  #lastBusy = 0;
  readonly #life = new AbortController();
  /** Aborted when the current session ends: its timers stop with it. */
  #session = new AbortController();

  constructor(options: ConnectionOptions) {
    this.#o = options;
  }

  get host(): string {
    return this.#o.host;
  }

  /** Runs followed here now. */
  get followed(): number {
    return this.#follows.size;
  }

  /** Makes the host reachable: null once the agent answers, else the reason (ssh's own last line). */
  connect(): Promise<string | null> {
    if (this.#closed) return Promise.resolve('the engine is shutting down');
    if (this.state === 'up') return Promise.resolve(null);
    if (this.#connecting !== null) return this.#connecting;
    const previous = this.state;
    this.state = 'connecting';
    const attempt = this.#open().then((error) => {
      this.#connecting = null;
      if (error === null) return null;
      this.#stopAgent();
      this.state = this.#closed ? 'idle' : 'down';
      this.error = error;
      if (this.since === null) {
        this.since = this.#o.clock.now();
        if (previous !== 'down') for (const f of this.#follows.values()) f.follower.down(this.since);
      }
      void this.#retry();
      return error;
    });
    this.#connecting = attempt;
    return attempt;
  }

  /** Starts `argv` under a supervisor in run folder `name`, exec'ing after `waitMs`. */
  async launch(
    name: string,
    argv: string[],
    env: Record<string, string>,
    waitMs: number,
  ): Promise<LaunchReply> {
    const pairs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const fields = [name, String(argv.length), ...argv, String(pairs.length), ...pairs];
    const reply = await this.#request(['launch', null, Math.max(0, Math.round(waitMs))], fields);
    if (reply === null) return { ok: false, error: `lost host ${this.host}`, lost: true };
    const [verb, , pid, sup, start] = reply.head;
    if (verb === 'launched') {
      // Whatever started there is cleaned up like a launch whose answer was lost.
      if (!Number.isSafeInteger(Number(pid)) || !Number.isSafeInteger(Number(sup)))
        return {
          ok: false,
          error: `the agent on ${this.host} answered a launch with bad process ids`,
          lost: true,
        };
      return {
        ok: true,
        pid: Number(pid),
        supervisorPid: Number(sup),
        start: Number(start) * 1000,
        dir: reply.body.toString(),
      };
    }
    return { ok: false, error: reply.body.toString() || 'launch failed', lost: false };
  }

  /**
   * Follows the run in `dir` from byte `offset`, across lost connections, until its end or until the host is given
   * up. Returns a function that stops following.
   */
  follow(dir: string, offset: number, follower: Follower): () => void {
    const fid = this.#nextId++;
    this.#follows.set(fid, { dir, offset, follower });
    this.#busy();
    if (this.state === 'up') this.#send(['follow', fid, offset], [dir]);
    else if (this.state === 'down') follower.down(this.since ?? this.#o.clock.now());
    if (this.state !== 'up') void this.connect();
    return () => {
      if (!this.#follows.delete(fid)) return;
      this.#busy();
      if (this.state === 'up') this.#send(['unfollow', fid]);
    };
  }

  /** Sends `sig` to the run's process group; false when it is gone or the host cannot be reached. */
  async signal(dir: string, sig: string): Promise<boolean> {
    return (await this.#call('signal', [dir, sig])) === 1;
  }

  /** Whether the run's supervisor or process group lives; null when the host cannot be reached. */
  async alive(dir: string): Promise<boolean | null> {
    const v = await this.#call('alive', [dir]);
    return v === null ? null : v === 1;
  }

  /** Removes the run folder (killing its process group first with `kill`); false when that could not be done. */
  async remove(dir: string, kill: boolean): Promise<boolean> {
    return (await this.#call('remove', [dir], kill ? 1 : 0)) === 1;
  }

  /** Ends the agent session and the master connection; runs keep going under their supervisors. */
  close(): void {
    this.#closed = true;
    this.#life.abort(new Error('closed'));
    const used = this.#agent !== null || this.info !== null;
    this.#stopAgent();
    this.state = 'idle';
    if (!used) return;
    // Not waited for: a shutdown must not hang on a host. A master left behind ends by itself (ControlPersist).
    const { ssh, socket, host } = this.#o;
    const exit = spawn(ssh.ssh, controlArgs(ssh, socket, host, 'exit'), { stdio: 'ignore', detached: true });
    exit.on('error', () => {});
    exit.unref();
  }

  // ---- requests -------------------------------------------------------------------------------------------------

  async #call(verb: string, fields: string[], extra?: number): Promise<number | null> {
    if (this.state !== 'up' && (await this.connect()) !== null) return null;
    const reply = await this.#request([verb, null, ...(extra === undefined ? [] : [extra])], fields);
    return reply === null ? null : Number(reply.head[2]);
  }

  /** Sends a request (its id put in place of the null token) and resolves with the reply; null if the agent went. */
  async #request(
    tokens: (string | number | null)[],
    fields: string[],
    busy = true,
  ): Promise<AgentMessage | null> {
    if (this.state !== 'up' && (await this.connect()) !== null) return null;
    const id = this.#nextId++;
    // A ping is not use: an idle session still closes.
    if (busy) this.#busy();
    return new Promise((resolve) => {
      this.#pending.set(id, { resolve });
      if (
        !this.#send(
          tokens.map((t) => (t === null ? id : t)),
          fields,
        )
      ) {
        this.#pending.delete(id);
        resolve(null);
      }
    });
  }

  #send(tokens: (string | number)[], fields: string[] = []): boolean {
    const agent = this.#agent;
    if (agent === null || !agent.stdin.writable) return false;
    agent.stdin.write(encodeRequest(tokens, fields));
    return true;
  }

  #onMessage(m: AgentMessage): void {
    const [verb, idText, offsetText] = m.head;
    const id = Number(idText);
    switch (verb) {
      case 'out': {
        const entry = this.#follows.get(id);
        const at = Number(offsetText);
        if (entry === undefined || at + m.body.length <= entry.offset) return;
        // A resent stretch after a reconnect overlaps what arrived before: only the new bytes go on.
        const data = at < entry.offset ? m.body.subarray(entry.offset - at) : m.body;
        const from = entry.offset;
        entry.offset = Math.max(entry.offset, at) + data.length;
        entry.follower.output(from, data);
        return;
      }
      case 'end': {
        const entry = this.#follows.get(id);
        if (entry === undefined) return;
        this.#follows.delete(id);
        this.#busy();
        entry.follower.end(m.body.toString());
        return;
      }
      case 'launched':
      case 'failed':
      case 'done': {
        const p = this.#pending.get(id);
        if (p === undefined) return;
        this.#pending.delete(id);
        p.resolve(m);
        return;
      }
      default:
        // `ready` is read by #open; `error` means a request the agent could not read: a bug, kept as the reason.
        if (verb === 'error') this.error = `agent: ${m.body.toString()}`;
    }
  }

  // ---- the session ----------------------------------------------------------------------------------------------

  async #open(): Promise<string | null> {
    const { ssh, socket, host } = this.#o;
    try {
      await mkdir(dirname(socket), { recursive: true, mode: 0o700 });
    } catch (e) {
      return `cannot create the control socket folder ${dirname(socket)}: ${(e as Error).message}`;
    }
    const life = this.#life.signal;
    if ((await runControl(ssh.ssh, controlArgs(ssh, socket, host, 'check'), 5000, life)).code !== 0) {
      if (this.#closed) return 'the engine is shutting down';
      await rm(socket, { force: true });
      const error = await startMaster(ssh, socket, host, life);
      if (error !== null) return error;
    }
    if (this.#closed) return 'the engine is shutting down';
    return this.#startAgent();
  }

  #startAgent(): Promise<string | null> {
    const { ssh, socket, host } = this.#o;
    const agent = spawn(ssh.ssh, sessionArgs(ssh, socket, host, AGENT_BOOTSTRAP), { stdio: 'pipe' });
    this.#agent = agent;
    const session = new AbortController();
    this.#session = session;
    let stderr = '';
    const reader = new MessageReader();
    const started = this.#o.clock.now();
    return new Promise((resolve) => {
      let ready = false;
      const fail = (why: string): void => {
        if (ready) return;
        ready = true;
        resolve(lastLine(stderr) ?? why);
      };
      agent.stdin.on('error', () => {});
      agent.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
      agent.stdout.on('data', (chunk: Buffer) => {
        let messages: AgentMessage[];
        try {
          messages = reader.push(chunk);
        } catch (e) {
          fail((e as Error).message);
          agent.kill('SIGKILL');
          return;
        }
        for (const m of messages) {
          if (!ready && m.head[0] === 'ready') {
            ready = true;
            this.info = parseInfo(m.body);
            this.rtt = (this.#o.clock.now() - started) / 1000;
            this.#up();
            resolve(null);
          } else if (!ready && m.head[0] === 'error') fail(`agent: ${m.body.toString()}`);
          else if (ready) this.#onMessage(m);
        }
      });
      agent.on('error', (e) => fail(`cannot run ${ssh.ssh}: ${e.message}`));
      agent.on('close', (code) => {
        session.abort(new Error('session ended'));
        fail(`the agent session ended (exit code ${String(code)})`);
        if (this.#agent === agent)
          this.#gone(lastLine(stderr) ?? `the agent session ended (exit code ${code})`);
      });
      const script = Buffer.from(AGENT_SCRIPT);
      agent.stdin.write(`${script.length}\n`);
      agent.stdin.write(script);
      agent.stdin.write(encodeRequest(['hello', 0], [this.#o.remoteDir]));
      const limit = Math.max(10, 2 * ssh.connectTimeout) * 1000;
      this.#o.clock.sleepUntil(started + limit, session.signal).then(
        () => {
          if (ready) return;
          fail(`the agent did not start within ${limit / 1000} s`);
          agent.kill('SIGKILL');
        },
        () => {},
      );
    });
  }

  #up(): void {
    this.state = 'up';
    this.since = null;
    this.error = null;
    this.#busy();
    for (const [fid, f] of this.#follows) {
      this.#send(['follow', fid, f.offset], [f.dir]);
      f.follower.up();
    }
    void this.#pingLoop(this.#session.signal);
    this.#o.onUp();
  }

  /** The session ended: every request waiting is answered null; followed runs wait for a reconnect. */
  #gone(reason: string): void {
    this.#agent = null;
    for (const p of this.#pending.values()) p.resolve(null);
    this.#pending.clear();
    if (this.state !== 'up') return;
    if (this.#closed) {
      this.state = 'idle';
      return;
    }
    this.state = 'down';
    this.error = reason;
    this.since = this.#o.clock.now();
    for (const f of this.#follows.values()) f.follower.down(this.since);
    void this.#retry();
  }

  #stopAgent(): void {
    const agent = this.#agent;
    this.#agent = null;
    this.#session.abort(new Error('stopped'));
    if (agent === null) return;
    // End of input ends the agent; its supervisors live on. A real timer: this is about a real process.
    agent.stdin.end();
    setTimeout(() => agent.kill('SIGKILL'), 5000).unref();
  }

  /** Retries while runs are followed here (until remote.reconnect_for runs out) or the host is wanted. */
  async #retry(): Promise<void> {
    if (this.#retrying) return;
    this.#retrying = true;
    const clock = this.#o.clock;
    let delay = RETRY_FIRST_MS;
    try {
      while (!this.#closed && this.state === 'down') {
        const followed = this.#follows.size > 0;
        if (!followed && !this.#o.wanted()) return;
        const deadline = (this.since ?? clock.now()) + this.#o.reconnectFor * 1000;
        const wake = followed ? Math.min(clock.now() + delay, deadline) : clock.now() + delay;
        try {
          await clock.sleepUntil(wake, this.#life.signal);
        } catch {
          return;
        }
        if (this.state !== 'down') return;
        if (this.#follows.size > 0 && clock.now() >= deadline) this.#giveUp();
        if (this.#follows.size === 0 && !this.#o.wanted()) return;
        // On failure connect() calls #retry(), which returns at once: this loop goes on.
        const error = await this.connect();
        if (error === null) return;
        delay = Math.min(delay * 2, this.#follows.size > 0 ? RETRY_MAX_FOLLOWED_MS : RETRY_MAX_PROBED_MS);
      }
    } finally {
      this.#retrying = false;
    }
  }

  #giveUp(): void {
    const entries = [...this.#follows.values()];
    this.#follows.clear();
    for (const f of entries) f.follower.lost();
  }

  async #pingLoop(signal: AbortSignal): Promise<void> {
    const clock = this.#o.clock;
    for (;;) {
      try {
        await clock.sleepUntil(clock.now() + PING_S * 1000, AbortSignal.any([signal, this.#life.signal]));
      } catch {
        return;
      }
      if (this.#follows.size === 0 && this.#pending.size === 0 && this.#idleFor() >= IDLE_S * 1000) {
        this.#stopAgent();
        this.state = 'idle';
        return;
      }
      const sent = clock.now();
      const limit = Math.max(5, this.#o.ssh.connectTimeout) * 1000;
      const timer = new AbortController();
      const late = clock.sleepUntil(sent + limit, timer.signal).then(
        () => 'late' as const,
        () => 'late' as const,
      );
      const answer = this.#request(['ping', null], [], false).then((r) =>
        r === null ? ('gone' as const) : ('ok' as const),
      );
      const outcome = await Promise.race([answer, late]);
      timer.abort(new Error('answered'));
      if (outcome === 'gone') return;
      if (outcome === 'ok') {
        this.rtt = (clock.now() - sent) / 1000;
        continue;
      }
      if (this.state !== 'up') return;
      // A silent network: end the session and the master; the host is then down and retried.
      void runControl(this.#o.ssh.ssh, controlArgs(this.#o.ssh, this.#o.socket, this.host, 'exit'), 5000);
      this.#agent?.kill('SIGKILL');
      return;
    }
  }

  #busy(): void {
    this.#lastBusy = this.#o.clock.now();
  }

  #idleFor(): number {
    return this.#follows.size > 0 || this.#pending.size > 0 ? 0 : this.#o.clock.now() - this.#lastBusy;
  }
}
