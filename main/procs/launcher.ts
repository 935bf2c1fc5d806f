/** The engine's side of the launcher helper (launcher-child.ts): send launch requests, get run states. */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { LaunchResult, ProcessSpec } from './local-process.js';
import { isLaunchReply, type LaunchRequest } from './protocol.js';

/** Launcher counters, for the engine's stats. */
export interface LauncherStats {
  helper_pid: number | null;
  /** Helper processes started so far (more than one means it died and was restarted). */
  helper_starts: number;
  launched: number;
  failed: number;
  in_flight: number;
}

/**
 * The helper process as the Launcher uses it: a forked Node child by default. The desktop app passes Electron's
 * utilityProcess behind this shape (main/electron/utility-helper.ts): with the runAsNode fuse off, fork() of the
 * Electron binary would not start Node.
 */
export type LauncherHelper = Pick<
  ChildProcess,
  'pid' | 'exitCode' | 'signalCode' | 'connected' | 'channel' | 'ref' | 'unref' | 'disconnect' | 'kill'
> & {
  send(message: LaunchRequest, callback: (error: Error | null) => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'exit', listener: () => void): unknown;
};

/** Starts the helper script at `path`. */
export type SpawnHelper = (path: string) => LauncherHelper;

/** No execArgv: the engine's own flags (inspector, loaders, heap size) are not for the helper. */
const forkHelper: SpawnHelper = (path) =>
  fork(path, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });

/** Helper restarts within RESTART_WINDOW_MS before the launcher stops restarting it ahead of need. */
const EAGER_RESTARTS = 3;
const RESTART_WINDOW_MS = 10_000;

/**
 * Starts local processes through a small helper process. warm() starts it, its fork server and one trivial process
 * before the engine serves, so the first runs are as punctual as later ones; a helper that dies is started again at
 * once (lazily on the next launch if it keeps dying). Processes outlive the helper and the engine: close() ends only
 * the helper.
 */
export class Launcher {
  /** Where warm() puts its trivial process's files; null until warm() was called. */
  #warmDir: string | null = null;
  readonly #restarts: number[] = [];
  readonly #helperPath = helperPath();
  #helper: LauncherHelper | null = null;
  readonly #pending = new Map<
    number,
    { reply: Promise<LaunchResult>; resolve: (r: LaunchResult) => void; ahead: boolean }
  >();
  #nextId = 1;
  #closed = false;
  readonly #stats = { helper_starts: 0, launched: 0, failed: 0 };

  /** `spawnHelper` starts the helper (default: child_process.fork under Node). */
  constructor(private readonly spawnHelper: SpawnHelper = forkHelper) {}

  /** Starts the process of `spec` under a supervisor; resolves when it runs, or with why it could not start. */
  launch(spec: ProcessSpec): Promise<LaunchResult> {
    if (this.#closed) return Promise.resolve({ ok: false, error: 'launcher is closed' });
    let helper: LauncherHelper;
    try {
      helper = this.#helper ?? this.#start();
    } catch (e) {
      return Promise.resolve({ ok: false, error: e instanceof Error ? e.message : String(e) });
    }
    const id = this.#nextId++;
    let resolve!: (r: LaunchResult) => void; // assigned synchronously by the Promise constructor
    const reply = new Promise<LaunchResult>((r) => (resolve = r));
    const { delay = 0, ...rest } = spec;
    // Made absolute here, before the trip to the helper: the process execs at the instant the engine meant.
    const request: LaunchRequest =
      delay > 0 ? { id, spec: rest, notBefore: Date.now() + delay } : { id, spec: rest };
    this.#pending.set(id, { reply, resolve, ahead: delay > 0 });
    this.#updateRef();
    helper.send(request, (e) => {
      if (e) this.#settle(id, { ok: false, error: `launcher helper unreachable: ${e.message}` });
    });
    return reply;
  }

  /**
   * Starts the helper and its fork server and runs one trivial process through them (`true`), so that the code paths
   * are loaded and compiled before the first run is due. Resolves when that process has exec'd (or could not: the
   * first real launch then says why). Its files under `dir` are removed once it has ended.
   */
  async warm(dir: string): Promise<void> {
    this.#warmDir = dir;
    const runDir = join(dir, 'warm-up');
    const result = await this.launch({ argv: ['true'], env: { PATH: '/usr/bin:/bin' }, cwd: '/', runDir });
    void (async () => {
      // The supervisor writes its result file when `true` ends: wait for it (briefly) before removing the folder.
      if (result.ok)
        for (let i = 0; i < 50; i++) {
          if ((await stat(result.runState.result).catch(() => null)) !== null) break;
          await sleep(20);
        }
      await rm(runDir, { recursive: true, force: true }).catch(() => {});
    })();
  }

  /** Resolves once the launches requested ahead of their start time so far (spec.delay) have been answered. */
  async aheadAnswered(): Promise<void> {
    await Promise.all([...this.#pending.values()].filter((p) => p.ahead).map((p) => p.reply));
  }

  /** Waits for launches in flight, then ends the helper; running processes are left alone (SPEC 12.4). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#pending.values()].map((p) => p.reply));
    const helper = this.#helper;
    if (helper === null) return;
    this.#helper = null;
    if (helper.exitCode !== null || helper.signalCode !== null) return;
    const exited = new Promise<void>((r) => helper.once('exit', () => r()));
    helper.ref(); // so the engine waits here for the helper to go
    if (helper.connected) helper.disconnect();
    await exited;
  }

  /** Counters and the helper's pid. */
  stats(): LauncherStats {
    return { helper_pid: this.#helper?.pid ?? null, ...this.#stats, in_flight: this.#pending.size };
  }

  #start(): LauncherHelper {
    if (!existsSync(this.#helperPath)) {
      throw new Error(`launcher helper ${this.#helperPath} is missing: run \`npm run build\``);
    }
    const helper = this.spawnHelper(this.#helperPath);
    this.#stats.helper_starts++;
    this.#helper = helper;
    helper.on('message', (m: unknown) => {
      if (isLaunchReply(m)) this.#settle(m.id, m.result);
    });
    const lost = (why: string): void => {
      if (this.#helper !== helper) return;
      this.#helper = null;
      // A request it got may have started a process; the run cannot know, like a run left `starting`.
      for (const id of [...this.#pending.keys()])
        this.#settle(id, { ok: false, error: `launcher helper ${why} before replying` });
      this.#restartAhead();
    };
    helper.on('exit', (code, sig) => lost(`exited (${sig ?? `code ${code}`})`));
    helper.on('error', (e) => {
      lost(`failed: ${e.message}`);
      helper.kill('SIGKILL');
    });
    return helper;
  }

  /** A helper that died is started again (and warmed) at once, unless it keeps dying: then on the next launch. */
  #restartAhead(): void {
    const dir = this.#warmDir;
    if (this.#closed || dir === null) return;
    const now = Date.now();
    while (this.#restarts.length > 0 && now - (this.#restarts[0] as number) > RESTART_WINDOW_MS)
      this.#restarts.shift();
    if (this.#restarts.length >= EAGER_RESTARTS) return;
    this.#restarts.push(now);
    void this.warm(dir);
  }

  #settle(id: number, result: LaunchResult): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    if (result.ok) this.#stats.launched++;
    else this.#stats.failed++;
    this.#updateRef();
    pending.resolve(result);
  }

  /** The helper keeps the engine's event loop alive only while a launch waits for its reply. */
  #updateRef(): void {
    const helper = this.#helper;
    if (helper === null) return;
    if (this.#pending.size > 0) {
      helper.ref();
      helper.channel?.ref();
    } else {
      helper.unref();
      helper.channel?.unref();
    }
  }
}

/** The compiled helper: beside this module in dist/, or under dist/ when this runs from sources (vitest). */
function helperPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  if (import.meta.url.endsWith('.js')) return join(here, 'launcher-child.js');
  return join(resolve(here, '..', '..'), 'dist', 'main', 'procs', 'launcher-child.js');
}
