/** Messages between the engine's Launcher and its helper process (IPC channel of child_process.fork). */
import type { LaunchResult, ProcessSpec } from './local-process.js';

/** Engine → helper: start this process. */
export interface LaunchRequest {
  id: number;
  spec: ProcessSpec;
  /** Epoch ms (the real clock) before which the process may not exec; the engine's spec.delay made absolute. */
  notBefore?: number;
}

/** Helper → engine: the outcome of request `id`. */
export interface LaunchReply {
  id: number;
  result: LaunchResult;
}

/** Whether an IPC message is a well-formed LaunchRequest. */
export function isLaunchRequest(m: unknown): m is LaunchRequest {
  if (!isRecord(m) || typeof m.id !== 'number' || !isRecord(m.spec)) return false;
  if (m.notBefore !== undefined && !(typeof m.notBefore === 'number' && Number.isFinite(m.notBefore)))
    return false;
  const { argv, env, cwd, runDir } = m.spec;
  return (
    Array.isArray(argv) &&
    argv.every((a) => typeof a === 'string') &&
    isRecord(env) &&
    Object.values(env).every((v) => typeof v === 'string') &&
    typeof cwd === 'string' &&
    typeof runDir === 'string'
  );
}

/** Whether an IPC message is a well-formed LaunchReply. */
export function isLaunchReply(m: unknown): m is LaunchReply {
  if (!isRecord(m) || typeof m.id !== 'number' || !isRecord(m.result)) return false;
  const r = m.result;
  if (r.ok === false) return typeof r.error === 'string';
  if (r.ok !== true || !isRecord(r.runState)) return false;
  const s = r.runState;
  return (
    typeof s.pid === 'number' &&
    typeof s.pgid === 'number' &&
    typeof s.supervisor_pid === 'number' &&
    typeof s.spool === 'string' &&
    typeof s.result === 'string' &&
    typeof s.start === 'string'
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
