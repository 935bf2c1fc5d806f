/**
 * The launcher helper (main/procs/launcher-child.ts) in an Electron utility process. With the runAsNode fuse off,
 * child_process.fork() of the Electron binary starts another app instead of Node, so the packaged app runs the
 * helper through utilityProcess.fork, behind the LauncherHelper shape the Launcher expects. The helper talks over
 * `process.parentPort` there; launcher-utility.ts bridges that to the `process.send`/`'message'`/`'disconnect'` API
 * the helper uses under Node.
 */
import { EventEmitter } from 'node:events';
import type { LauncherHelper, SpawnHelper } from '../procs/launcher.js';
import type { LaunchRequest } from '../procs/protocol.js';

/** How long a disconnected helper has to exit before it is killed (it exits at once unless a launch is mid-way). */
export const EXIT_GRACE_MS = 5000;

/** What the Launcher's close() sends instead of closing an IPC channel (a utility process has none). */
export const DISCONNECT = { type: 'apsis:launcher-disconnect' } as const;

export function isDisconnect(m: unknown): boolean {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === DISCONNECT.type;
}

/** The utility process as the adapter uses it (Electron's UtilityProcess). */
export interface UtilityChild {
  readonly pid: number | undefined;
  postMessage(message: unknown): void;
  kill(): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'error', listener: (type: string, location: string) => void): unknown;
}

export type UtilityFork = (
  modulePath: string,
  args: string[],
  options: { serviceName: string; stdio: 'inherit' },
) => UtilityChild;

/** Adapts a utility process to the LauncherHelper shape (the parts of ChildProcess the Launcher uses). */
class UtilityHelper extends EventEmitter implements LauncherHelper {
  exitCode: number | null = null;
  readonly signalCode = null;
  connected = true;
  readonly channel = null;

  constructor(private readonly child: UtilityChild) {
    super();
    child.on('message', (m) => this.emit('message', m));
    child.on('exit', (code) => {
      this.exitCode = code;
      this.connected = false;
      this.emit('exit', code, null);
    });
    child.on('error', (type, location) => this.emit('error', new Error(`${type} at ${location}`)));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(message: LaunchRequest, callback: (error: Error | null) => void): boolean {
    if (!this.connected) {
      callback(new Error('the launcher helper has exited'));
      return false;
    }
    this.child.postMessage(message);
    callback(null);
    return true;
  }

  /** The main process stays alive anyway: nothing to reference or unreference. */
  ref(): void {}
  unref(): void {}

  /** Asks the helper to exit once its launches in flight are answered (as closing its IPC channel would). */
  disconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    this.child.postMessage(DISCONNECT);
    // A helper that does not go would hold up the app's quit (Launcher.close waits for its exit).
    setTimeout(() => {
      if (this.exitCode === null) this.child.kill();
    }, EXIT_GRACE_MS).unref();
  }

  kill(): boolean {
    return this.child.kill();
  }
}

/** A SpawnHelper starting `shimPath` (compiled launcher-utility.ts, which runs the helper) with `fork`. */
export function utilitySpawner(fork: UtilityFork, shimPath: string): SpawnHelper {
  // The shim imports the helper beside it in dist/, so the path the Launcher computed is not needed.
  return () =>
    new UtilityHelper(fork(shimPath, [], { serviceName: 'Apsis launcher helper', stdio: 'inherit' }));
}

/** The helper's parent port in the utility process. */
export interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

/** The helper's side of its parent channel: what `process` gets in the utility process (launcher-utility.ts). */
export interface HelperSide {
  /** Installs `process.send`. */
  setSend(send: (message: unknown, ...rest: unknown[]) => boolean): void;
  /** Emits a message from the parent on `process`. */
  deliver(message: unknown): void;
  /** Emits `disconnect` on `process`. */
  disconnect(): void;
}

/** Gives the helper the Node child IPC API over the utility process's parent port. */
export function bridgeParentPort(port: ParentPortLike, helper: HelperSide): void {
  helper.setSend((message, ...rest) => {
    port.postMessage(message);
    const callback = rest.find((r) => typeof r === 'function') as ((e: Error | null) => void) | undefined;
    callback?.(null);
    return true;
  });
  port.on('message', ({ data }) => {
    if (isDisconnect(data)) helper.disconnect();
    else helper.deliver(data);
  });
}
