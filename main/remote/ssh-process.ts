/**
 * The ssh processes behind a host connection (SPEC 24.2): starting the OpenSSH master connection, running a control
 * command against it, and the line of ssh's output that says why it failed. Real timers throughout: they bound real
 * processes, and a test's fake clock must not stall them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { masterArgs, type SshSettings } from './ssh.js';

/** Starts the master connection: null once it is up in the background, else ssh's reason. */
export async function startMaster(
  ssh: SshSettings,
  socket: string,
  host: string,
  signal: AbortSignal,
): Promise<string | null> {
  const logPath = `${socket}.log`;
  let log: number;
  try {
    log = openSync(logPath, 'w', 0o600);
  } catch (e) {
    return `cannot write ${logPath}: ${(e as Error).message}`;
  }
  let child: ChildProcess;
  try {
    // Its own session: Ctrl-C in the engine's terminal must not end it, nor the engine's end. Its stderr goes to a
    // file, since once in the background it keeps it open (a pipe would never close).
    child = spawn(ssh.ssh, masterArgs(ssh, socket, host), {
      stdio: ['ignore', 'ignore', log],
      detached: true,
    });
  } finally {
    closeSync(log);
  }
  // Real timers here and in runControl(): they bound real processes, and a test's fake clock must not stall them.
  const limit = (3 * Math.max(1, ssh.connectTimeout) + 5) * 1000;
  const code = await new Promise<number | string>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(`no answer within ${limit / 1000} s`);
    }, limit);
    // The engine closing ends an attempt under way: it would otherwise race the next engine's for the socket.
    const abort = (): void => void child.kill('SIGKILL');
    signal.addEventListener('abort', abort, { once: true });
    child.on('exit', () => signal.removeEventListener('abort', abort));
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve(`cannot run ${ssh.ssh}: ${e.message}`);
    });
    child.on('exit', (c, sig) => {
      clearTimeout(timer);
      resolve(c ?? `ssh killed by ${String(sig)}`);
    });
  });
  if (code === 0) return null;
  let text = '';
  try {
    text = readFileSync(logPath, 'utf8');
  } catch {
    // No log: the code says enough.
  }
  return lastLine(text) ?? (typeof code === 'string' ? code : `ssh exited with code ${code}`);
}

/** Runs ssh for a control command; its exit code (null when it did not end in time) and stderr. */
export function runControl(
  ssh: string,
  args: string[],
  ms: number,
  signal?: AbortSignal,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(ssh, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(signal === undefined ? {} : { signal }),
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, stderr: e.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/** The last non-empty line of `text`, trimmed, or null. */
export function lastLine(text: string): string | null {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.at(-1) ?? null;
}
